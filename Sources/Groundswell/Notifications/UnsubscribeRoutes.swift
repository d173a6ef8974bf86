import HTTPServer

/// One-click unsubscribe (RFC 8058), without signing in. Every email carries
/// `List-Unsubscribe: <…/unsubscribe/TOKEN?kind=KIND>` and `List-Unsubscribe-Post:
/// List-Unsubscribe=One-Click`: a mail client's POST there turns that kind off (no `kind`:
/// all email). A GET only shows a page with the button, because mail scanners fetch links.
struct UnsubscribeRoutes {
    let context: AppContext

    func register(on router: Router) {
        router.get("/unsubscribe/{token}") { request in try page(request) }
        router.post("/unsubscribe/{token}") { request in try unsubscribe(request) }
    }

    private func token(_ request: Request) -> String? {
        guard let token = request.parameters["token"], token.utf8.count == 48,
              token.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else { return nil }
        return token
    }

    private func kind(_ request: Request) throws -> NotificationStore.Kind? {
        guard let raw = request.queryItems["kind"], !raw.isEmpty else { return nil }
        guard let kind = NotificationStore.Kind(rawValue: raw) else {
            throw APIError.invalid("kind must be one of \(NotificationStore.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return kind
    }

    func page(_ request: Request) throws -> Reply {
        let kind = try kind(request)
        guard let token = token(request), let language = try context.read({ db in try EmailStore.tokenLanguage(db, token: token) }) else {
            return .response(Self.html(status: .notFound, language: .en, title: "Link not found",
                                       body: "<p>This unsubscribe link is not valid (any more). Sign in to change your email choices.</p>"))
        }
        let ko = language == .ko
        let what = kind.flatMap { EmailComposer.kindNames[$0] }.map { ko ? "‘\($0.ko)’ 알림 이메일" : "emails about \($0.en)" }
            ?? (ko ? "모든 이메일" : "all emails")
        let action = "/unsubscribe/\(token)" + (kind.map { "?kind=\($0.rawValue)" } ?? "")
        let body = """
            <p>\(HTMLEscaping.escape(ko ? "\(what) 수신을 중단할까요?" : "Stop \(what) from Groundswell?"))</p>
            <form method="post" action="\(HTMLEscaping.escape(action))">
            <input type="hidden" name="List-Unsubscribe" value="One-Click">
            <button type="submit">\(ko ? "수신 거부" : "Unsubscribe")</button>
            </form>
            """
        return .response(Self.html(status: .ok, language: language, title: ko ? "수신 거부" : "Unsubscribe", body: body))
    }

    func unsubscribe(_ request: Request) throws -> Reply {
        let kind = try kind(request)
        guard let token = token(request) else { throw APIError.notFound("unsubscribe link") }
        return context.write { db in
            guard let language = try EmailStore.unsubscribe(db, token: token, kind: kind) else {
                throw APIError.notFound("unsubscribe link")
            }
            let ko = language == .ko
            let what = kind.flatMap { EmailComposer.kindNames[$0] }.map { ko ? "‘\($0.ko)’ 알림 이메일을" : "emails about \($0.en)" }
                ?? (ko ? "더 이상 이메일을" : "any more emails")
            let text = ko ? "\(what) 보내지 않습니다. 앱 안의 알림은 그대로 받을 수 있습니다."
                : "Done: you will not get \(what) from Groundswell. In-app notifications are unchanged."
            return Self.html(status: .ok, language: language, title: ko ? "수신 거부 완료" : "Unsubscribed",
                             body: "<p>\(HTMLEscaping.escape(text))</p>")
        }
    }

    /// A small self-contained page: no script, no outside resource, strict CSP.
    static func html(status: HTTPStatus, language: EmailComposer.Language, title: String, body: String) -> Response {
        let page = """
            <!doctype html>
            <html lang="\(language.rawValue)"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(HTMLEscaping.escape(title)) · Groundswell</title></head>
            <body><main><h1>\(HTMLEscaping.escape(title))</h1>
            \(body)
            </main></body></html>

            """
        var response = Response(status: status, body: Array(page.utf8), contentType: "text/html; charset=utf-8")
        response.headers.set("Content-Security-Policy", "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
        response.headers.set("Referrer-Policy", "no-referrer")
        response.headers.set("Cache-Control", "no-store")
        return response
    }
}
