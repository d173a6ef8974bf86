import HTTPServer

/// The reader's language: the `gs_lang` cookie (set by the language switch) if present, else
/// `Accept-Language` (Korean when it is preferred over English), else English.
enum WebLanguage: String, CaseIterable, Sendable {
    case en, ko

    static let cookie = "gs_lang"

    static func of(_ request: Request) -> WebLanguage {
        if let chosen = request.cookie(cookie).flatMap(WebLanguage.init(rawValue:)) { return chosen }
        return WebLanguage(rawValue: UserRoutes.preferredLanguage(request.headers["accept-language"])) ?? .en
    }

    var other: WebLanguage { self == .en ? .ko : .en }
}
