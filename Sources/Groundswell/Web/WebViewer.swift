import HTTPServer

/// Who is looking at a page: a signed-in customer (the session cookie) or a visitor, and the
/// CSRF token every form on the page carries — the session's own, or for a visitor the
/// `gs_csrf` cookie's (a double-submit token, set by the pages whose forms a visitor can post:
/// sign in and sign up).
struct WebViewer: Sendable {
    let userID: Int64?
    let name: String?
    let sessionID: Int64?
    let csrf: String?

    static let visitorCookie = "gs_csrf"

    var signedIn: Bool { userID != nil }

    /// Reads the session (if any) without touching it; a page view changes nothing.
    static func of(_ request: Request, context: AppContext) throws -> WebViewer {
        if let cookie = SessionCookie.value(request) {
            let now = context.clock.nowMillis()
            if let session = try context.read({ try SessionStore.session($0, tokenHash: Tokens.hash(cookie), now: now) }) {
                return WebViewer(userID: session.userID, name: session.name, sessionID: session.id, csrf: session.csrf)
            }
        }
        return WebViewer(userID: nil, name: nil, sessionID: nil, csrf: request.cookie(visitorCookie).flatMap(visitorToken))
    }

    /// A visitor token as we make them (48 hex digits), or nil for anything else.
    private static func visitorToken(_ value: String) -> String? {
        value.utf8.count == 48 && value.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) ? value : nil
    }

    /// A visitor without a token gets one with the page that shows them a form.
    func withVisitorToken() -> (viewer: WebViewer, setCookie: String?) {
        guard !signedIn, csrf == nil else { return (self, nil) }
        let token = Tokens.randomHex(bytes: 24)
        return (WebViewer(userID: nil, name: nil, sessionID: nil, csrf: token),
                "\(WebViewer.visitorCookie)=\(token); Path=/; HttpOnly; SameSite=Lax")
    }
}
