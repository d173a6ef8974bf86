import HTTPServer

/// Signing in to the console: a staff member pastes their token once (`POST /admin/signin`),
/// which becomes a 12-hour session cookie (`gs_staff`, `Path=/admin`, `HttpOnly`,
/// `SameSite=Strict`, `Secure` unless the public URL is `http://`). Failures are limited per
/// address like customers' sign-ins.
struct ConsoleSignIn {
    let console: ConsoleContext

    func register(on router: Router) {
        router.get("/admin/signin") { request in try page(request) }
        router.post("/admin/signin") { request in try signIn(request) }
        router.post("/admin/signout") { request in try signOut(request) }
    }

    private var secure: Bool { !console.app.publicURL.lowercased().hasPrefix("http://") }

    func page(_ request: Request) throws -> Reply {
        let viewer = try WebViewer.of(request, context: console.app)
        return .response(form(WebPage(request, viewer: viewer), next: WebForm.localPath(request.queryItems["next"]), failure: nil))
    }

    private func form(_ page: WebPage, next: String, failure: WebForm.Failure?) -> Response {
        let (viewer, cookie) = page.viewer.withVisitorToken()
        let page = WebPage(page.request, viewer: viewer)
        let t = page.t
        return page.render(title: t(.console), status: failure?.status ?? .ok, setCookies: cookie.map { [$0] } ?? []) { html in
            html.element("h1") { $0.text(t(.console)) }
            html.element("p") { $0.text(t(.consoleSignInIntro)) }
            if let failure { page.errorBox(&html, failure) }
            html.element("form", [("action", "/admin/signin"), ("method", "post"), ("class", "stack narrow")]) { html in
                page.csrfField(&html)
                html.void("input", [("type", "hidden"), ("name", "next"), ("value", next)])
                page.field(&html, id: "token", label: .staffToken) { html, _ in
                    html.void("input", [("id", "token"), ("name", "token"), ("type", "password"), ("required", ""),
                                        ("autocomplete", "current-password")])
                }
                html.element("button", [("type", "submit"), ("class", "primary")]) { $0.text(t(.signInButton)) }
            }
        }
    }

    func signIn(_ request: Request) throws -> Reply {
        let app = console.app
        let page = WebPage(request, viewer: try WebViewer.of(request, context: app))
        let form: WebForm
        do { form = try WebForm(request, viewer: page.viewer) } catch let error as HTTPError {
            return .response(page.failure(WebForm.Failure(error), back: "/admin/signin"))
        }
        var next = WebForm.localPath(form["next"])
        if !next.hasPrefix("/admin") || next.hasPrefix("/admin/signin") { next = "/admin" }
        let token = (form["token"] ?? "").trimmingWhitespace()
        let now = app.clock.nowMillis()
        let address = request.clientHash(app.client)
        if let wait = app.signInLimiter.wait(account: "staff-console", address: address, now: now) {
            let failure = WebForm.Failure(ErrorCode.rateLimited.error("too many failed sign-ins; try again in \((wait / 1000 + 59) / 60) minute(s)"))
            return .response(self.form(page, next: next, failure: failure))
        }
        let member = token.isEmpty ? nil : try app.read { db in try StaffStore.member(db, tokenHash: Tokens.hash(token)) }
        guard let member else {
            app.signInLimiter.failed(account: "staff-console", address: address, now: now)
            return .response(self.form(page, next: next, failure: WebForm.Failure(ErrorCode.invalidCredentials.error("that is not a staff token"))))
        }
        let cookie = Tokens.generate(prefix: "gsc_")
        let csrf = Tokens.randomHex(bytes: 24)
        let secure = secure
        return app.write(request) { db in
            _ = try StaffSessionStore.create(db, staffID: member.id, tokenHash: Tokens.hash(cookie), csrf: csrf, now: now)
            try Audit.record(db, actor: member, action: "console.signin", target: "staff:\(member.id)", before: nil, after: nil, at: now)
            var response = WebForm.redirect(next)
            response.headers.add("Set-Cookie", "\(StaffSessionStore.cookie)=\(cookie); Path=/admin; Max-Age=\(StaffSessionStore.lifetime / 1000); HttpOnly; SameSite=Strict" + (secure ? "; Secure" : ""))
            return response
        }
    }

    func signOut(_ request: Request) throws -> Reply {
        let secure = secure
        return try console.form(request, back: "/admin") { _, _, _ in
            let hash = Tokens.hash(request.cookie(StaffSessionStore.cookie) ?? "")
            return console.app.write(request) { db in
                try StaffSessionStore.revoke(db, tokenHash: hash)
                var response = WebForm.redirect("/admin/signin", notice: .signedOut)
                response.headers.add("Set-Cookie", "\(StaffSessionStore.cookie)=; Path=/admin; Max-Age=0; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : ""))
                return response
            }
        }
    }
}
