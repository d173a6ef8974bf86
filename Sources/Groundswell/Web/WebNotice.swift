import HTTPServer

/// The one-line confirmation shown on the page a form redirects to ("Your vote is counted"):
/// its name travels in a short-lived `gs_notice` cookie, never text from the request, and the
/// page that shows it clears it.
enum WebNotice: String, CaseIterable, Sendable {
    case signedIn = "signed-in", signedOut = "signed-out", welcome, voted, unvoted, commented, submitted, saved
    case deleted, passwordSet = "password-set", following, unfollowed, revoked, merged, done

    static let cookie = "gs_notice"

    var message: Message {
        switch self {
        case .signedIn: return .noticeSignedIn
        case .signedOut: return .noticeSignedOut
        case .welcome: return .noticeWelcome
        case .voted: return .noticeVoted
        case .unvoted: return .noticeUnvoted
        case .commented: return .noticeCommented
        case .submitted: return .noticeSubmitted
        case .saved: return .noticeSaved
        case .deleted: return .noticeDeleted
        case .passwordSet: return .noticePasswordSet
        case .following: return .noticeFollowing
        case .unfollowed: return .noticeUnfollowed
        case .revoked: return .noticeRevoked
        case .merged: return .mergedNotice
        case .done: return .noticeDone
        }
    }

    static func of(_ request: Request) -> WebNotice? { request.cookie(cookie).flatMap(WebNotice.init(rawValue:)) }

    var setCookie: String { "\(WebNotice.cookie)=\(rawValue); Path=/; Max-Age=60; HttpOnly; SameSite=Lax" }
    static let clearCookie = "\(cookie)=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"
}
