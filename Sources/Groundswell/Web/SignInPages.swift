import HTTPServer
import JSON

/// Signing up, in and out in a browser. Sign-in goes through the API's `POST /sessions` (its
/// Argon2id check, rate limits and no account enumeration); sign-up makes the account, its
/// password and a first session in one write. Visitors' forms carry the `gs_csrf` token.
struct SignInPages {
    let web: WebContext

    func register(on router: Router) {
        router.get("/signin") { request in try signInPage(request) }
        router.post("/signin") { request in try signIn(request) }
        router.get("/signup") { request in try signUpPage(request) }
        router.post("/signup") { request in try signUp(request) }
        router.post("/signout") { request in try signOut(request) }
    }

    func signInPage(_ request: Request) throws -> Reply {
        let next = WebForm.localPath(request.queryItems["next"])
        return try web.page(request, cacheable: false) { page in
            if page.viewer.signedIn { return WebForm.redirect(next == "/" ? "/account" : next) }
            return signInForm(page, next: next, email: "", failure: nil)
        }
    }

    private func signInForm(_ page: WebPage, next: String, email: String, failure: WebForm.Failure?) -> Response {
        let (viewer, cookie) = page.viewer.withVisitorToken()
        let page = WebPage(page.request, viewer: viewer)
        let t = page.t
        return page.render(title: t(.signIn), status: failure?.status ?? .ok, setCookies: cookie.map { [$0] } ?? []) { html in
            html.element("h1") { $0.text(t(.signIn)) }
            html.element("p") { $0.text(t(.signInIntro)) }
            if let failure { page.errorBox(&html, failure) }
            html.element("form", [("action", "/signin"), ("method", "post"), ("class", "stack narrow")]) { html in
                page.csrfField(&html)
                html.void("input", [("type", "hidden"), ("name", "next"), ("value", next)])
                page.field(&html, id: "email", label: .emailLabel) { html, _ in
                    html.void("input", [("id", "email"), ("name", "email"), ("type", "email"), ("autocomplete", "username"),
                                        ("required", ""), ("value", email)])
                }
                page.field(&html, id: "password", label: .passwordLabel) { html, _ in
                    html.void("input", [("id", "password"), ("name", "password"), ("type", "password"),
                                        ("autocomplete", "current-password"), ("required", "")])
                }
                html.element("button", [("type", "submit"), ("class", "primary")]) { $0.text(t(.signInButton)) }
            }
            html.element("p") { $0.element("a", [("href", "/signup")]) { $0.text(t(.noAccount)) } }
        }
    }

    func signIn(_ request: Request) throws -> Reply {
        try web.form(request, back: "/signin") { page, form in
            let next = WebForm.localPath(form["next"])
            let email = form["email"] ?? ""
            let reply = form.call(web.api.sessions.signIn, from: request,
                                  body: form.json([("email", .text), ("password", .text)]), context: web.app)
            return reply.map { response in
                guard let failure = WebForm.failure(response) else {
                    return WebForm.redirect(next, notice: .signedIn, keeping: response)
                }
                return signInForm(page, next: next, email: email, failure: failure)
            }
        }
    }

    func signUpPage(_ request: Request) throws -> Reply {
        try web.page(request, cacheable: false) { page in
            if page.viewer.signedIn { return WebForm.redirect("/account") }
            return signUpForm(page, values: [:], failure: nil)
        }
    }

    private func signUpForm(_ page: WebPage, values: [String: String], failure: WebForm.Failure?) -> Response {
        let (viewer, cookie) = page.viewer.withVisitorToken()
        let page = WebPage(page.request, viewer: viewer)
        let t = page.t
        return page.render(title: t(.signUp), status: failure?.status ?? .ok, setCookies: cookie.map { [$0] } ?? []) { html in
            html.element("h1") { $0.text(t(.signUp)) }
            html.element("p") { $0.text(t(.signUpIntro)) }
            if let failure { page.errorBox(&html, failure) }
            html.element("form", [("action", "/signup"), ("method", "post"), ("class", "stack narrow")]) { html in
                page.csrfField(&html)
                html.void("input", [("type", "hidden"), ("name", "language"), ("value", page.language.rawValue)])
                page.field(&html, id: "name", label: .nameLabel) { html, _ in
                    html.void("input", [("id", "name"), ("name", "name"), ("autocomplete", "nickname"), ("required", ""),
                                        ("maxlength", "80"), ("value", values["name"] ?? "")])
                }
                page.field(&html, id: "email", label: .emailLabel) { html, _ in
                    html.void("input", [("id", "email"), ("name", "email"), ("type", "email"), ("autocomplete", "email"),
                                        ("required", ""), ("value", values["email"] ?? "")])
                }
                page.field(&html, id: "password", label: .passwordLabel, hint: .passwordHint) { html, hint in
                    html.void("input", [("id", "password"), ("name", "password"), ("type", "password"), ("autocomplete", "new-password"),
                                        ("required", ""), ("minlength", String(PasswordHasher.length.lowerBound)), ("aria-describedby", hint)])
                }
                html.element("div", [("class", "check")]) { html in
                    html.void("input", [("id", "contact_opt_in"), ("name", "contact_opt_in"), ("type", "checkbox"), ("value", "1"),
                                        ("checked", values["contact_opt_in"] != nil ? "" : nil)])
                    html.element("label", [("for", "contact_opt_in")]) { $0.text(t(.contactOptIn)) }
                }
                html.element("button", [("type", "submit"), ("class", "primary")]) { $0.text(t(.signUpButton)) }
            }
            html.element("p") { $0.element("a", [("href", "/signin")]) { $0.text(t(.haveAccount)) } }
        }
    }

    /// The account, its password and a first session, in one write after the password is hashed.
    func signUp(_ request: Request) throws -> Reply {
        try web.form(request, back: "/signup") { page, form in
            var values: [String: String] = [:]
            for name in ["name", "email", "contact_opt_in"] { values[name] = form[name] }
            let failed = { [values] (failure: WebForm.Failure) -> Reply in .response(signUpForm(page, values: values, failure: failure)) }
            let inner = request.inProcess(.post, target: request.target, body: form.json([
                ("name", .text), ("email", .text), ("password", .text), ("language", .optionalText), ("contact_opt_in", .checkbox),
            ]))
            let account: UserRoutes.NewAccount
            do {
                account = try UserRoutes.NewAccount(try RequestBody(inner), inner)
            } catch let error as HTTPError {
                return failed(WebForm.Failure(error))
            }
            guard account.password != nil else { return failed(WebForm.Failure(APIError.invalid("password is required"))) }
            let now = web.app.clock.nowMillis()
            let userAgent = SessionRoutes.userAgent(request)
            let secure = web.api.sessions.secureCookies
            // The account's API token is made and not shown (it can be rotated from the API later).
            let reply = UserRoutes.create(account, request: request, context: web.app, tokenHash: Tokens.hash(Tokens.generate(prefix: "gsu_")),
                                          now: now) { db, id in
                try SessionRoutes.open(db, userID: id, userAgent: userAgent, now: now, secure: secure)
            }
            return reply.map { [values] response in
                guard let failure = WebForm.failure(response) else { return WebForm.redirect("/account", notice: .welcome, keeping: response) }
                return signUpForm(page, values: values, failure: failure)
            }
        }
    }

    func signOut(_ request: Request) throws -> Reply {
        let viewer = try WebViewer.of(request, context: web.app)
        // Nothing to end: a stale page's sign-out button just goes home.
        guard viewer.signedIn else { return .response(WebForm.redirect("/", notice: .signedOut)) }
        return try web.form(request, back: "/") { page, form in
            let reply = form.call(web.api.sessions.signOut, from: request, method: .delete, body: nil, context: web.app)
            return web.outcome(reply, page: page, back: "/") { response in WebForm.redirect("/", notice: .signedOut, keeping: response) }
        }
    }
}
