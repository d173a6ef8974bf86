import HTTPServer
import JSON

/// The customer's own page (`GET /account`): my ideas, votes and comments; my profile (name,
/// contact choice), password, devices; download my data; delete my account. Every form goes
/// through the API's own handler (`PATCH /me`, `PUT /me/password`, `DELETE /me/sessions/{id}`,
/// `DELETE /me`), and the page reads the same export `GET /me/data` gives.
struct AccountPages {
    let web: WebContext

    func register(on router: Router) {
        router.get("/account") { request in try show(request) }
        router.get("/account/export") { request in try export(request) }
        router.post("/account/profile") { request in try profile(request) }
        router.post("/account/password") { request in try password(request) }
        router.post("/account/sessions/{id}/revoke") { request in try revoke(request) }
        router.post("/account/delete") { request in try delete(request) }
    }

    private struct Data {
        let export: JSONValue
        let sessions: JSONValue
        let titles: [Int64: String]
    }

    func show(_ request: Request) throws -> Reply {
        let now = web.app.clock.nowMillis()
        return try web.page(request) { page in
            guard let userID = page.viewer.userID else { return WebForm.redirect("/signin?next=/account") }
            let data = try web.app.read { db -> Data in
                var json = JSONWriter(capacity: 8192)
                json.beginObject()
                try UserStore.writeExport(db, userID: userID, into: &json)
                json.endObject()
                let export = JSONValue.of(json.bytes)
                let ids = export.items("votes").compactMap { $0.int("idea_id") } + export.items("comments").compactMap { $0.int("idea_id") }
                return Data(export: export,
                            sessions: JSONValue.of(try SessionStore.list(db, userID: userID, current: page.viewer.sessionID, now: now)),
                            titles: try IdeaStore.titles(db, ids: Array(Set(ids))))
            }
            return render(page, data, failure: nil)
        }
    }

    private func render(_ page: WebPage, _ data: Data, failure: WebForm.Failure?) -> Response {
        let t = page.t
        let profile = data.export["profile"] ?? .null
        return page.render(title: t(.myPage), status: failure?.status ?? .ok, personal: true) { html in
            html.element("h1") { $0.text(t(.myPage) + " · " + (profile.string("name") ?? "")) }
            if let failure { page.errorBox(&html, failure) }
            html.element("div", [("class", "columns")]) { html in
                html.element("section", [("aria-labelledby", "my-ideas")]) { html in
                    html.element("h2", [("id", "my-ideas")]) { $0.text(t(.myIdeas)) }
                    list(&html, page, data.export.items("ideas").reversed()) { html, idea in
                        html.element("a", [("href", "/ideas/\(idea.int("id") ?? 0)")]) { $0.text(idea.string("title") ?? "") }
                        WebLists.meta(&html, page.language, votes: idea.int("votes") ?? 0, comments: idea.int("comments") ?? 0,
                                      status: idea.string("status") ?? "", category: idea.string("category") ?? "")
                    }
                }
                html.element("section", [("aria-labelledby", "my-votes")]) { html in
                    html.element("h2", [("id", "my-votes")]) { $0.text(t(.myVotes)) }
                    list(&html, page, Array(data.export.items("votes").reversed().prefix(100))) { html, vote in
                        let id = vote.int("idea_id") ?? 0
                        html.element("a", [("href", "/ideas/\(id)")]) { $0.text(data.titles[id] ?? "#\(id)") }
                        html.element("p", [("class", "meta")]) { html in
                            html.text(t(.votedOn) + " ")
                            if let at = vote.time("voted_at") { WebDate.write(at, page.language, into: &html) }
                        }
                    }
                }
                html.element("section", [("aria-labelledby", "my-comments")]) { html in
                    html.element("h2", [("id", "my-comments")]) { $0.text(t(.myComments)) }
                    list(&html, page, Array(data.export.items("comments").reversed().prefix(100))) { html, comment in
                        let id = comment.int("idea_id") ?? 0
                        html.element("a", [("href", "/ideas/\(id)#comment-\(comment.int("id") ?? 0)")]) { $0.text(data.titles[id] ?? "#\(id)") }
                        html.element("p") { $0.text(String((comment.string("body") ?? "").unicodeScalars.prefix(140))) }
                    }
                }
            }
            profileForm(&html, page, profile)
            passwordForm(&html, page)
            sessions(&html, page, data.sessions)
            html.element("section", [("aria-labelledby", "export-heading")]) { html in
                html.element("h2", [("id", "export-heading")]) { $0.text(t(.exportData)) }
                html.element("p") { $0.text(t(.exportHint)) }
                html.element("p") { $0.element("a", [("class", "button"), ("href", "/account/export"), ("download", "groundswell-my-data.json")]) { $0.text(t(.exportData)) } }
            }
            html.element("section", [("aria-labelledby", "delete-heading"), ("class", "danger")]) { html in
                html.element("h2", [("id", "delete-heading")]) { $0.text(t(.deleteAccount)) }
                html.element("p") { $0.text(t(.deleteWarning)) }
                html.element("form", [("action", "/account/delete"), ("method", "post"), ("class", "stack narrow")]) { html in
                    page.csrfField(&html)
                    page.field(&html, id: "confirm", label: .deleteConfirmLabel) { html, _ in
                        html.void("input", [("id", "confirm"), ("name", "confirm"), ("required", ""), ("autocomplete", "off")])
                    }
                    html.element("button", [("type", "submit"), ("class", "danger")]) { $0.text(t(.deleteButton)) }
                }
            }
        }
    }

    private func list(_ html: inout HTML, _ page: WebPage, _ items: [JSONValue], _ row: (inout HTML, JSONValue) -> Void) {
        guard !items.isEmpty else {
            html.element("p") { $0.text(page.t(.nothingYet)) }
            return
        }
        html.element("ol", [("class", "ideas")]) { html in
            for item in items { html.element("li") { row(&$0, item) } }
        }
    }

    private func profileForm(_ html: inout HTML, _ page: WebPage, _ profile: JSONValue) {
        let t = page.t
        html.element("section", [("aria-labelledby", "profile-heading")]) { html in
            html.element("h2", [("id", "profile-heading")]) { $0.text(t(.profile)) }
            html.element("p", [("class", "meta")]) { $0.text(t(.emailLabel) + ": " + (profile.string("email") ?? "")) }
            html.element("form", [("action", "/account/profile"), ("method", "post"), ("class", "stack narrow")]) { html in
                page.csrfField(&html)
                page.field(&html, id: "name", label: .nameLabel) { html, _ in
                    html.void("input", [("id", "name"), ("name", "name"), ("required", ""), ("maxlength", "80"), ("value", profile.string("name") ?? "")])
                }
                html.element("div", [("class", "check")]) { html in
                    html.void("input", [("id", "contact_opt_in"), ("name", "contact_opt_in"), ("type", "checkbox"), ("value", "1"),
                                        ("checked", profile.bool("contact_opt_in") ? "" : nil)])
                    html.element("label", [("for", "contact_opt_in")]) { $0.text(t(.contactOptIn)) }
                }
                html.element("button", [("type", "submit"), ("class", "primary")]) { $0.text(t(.save)) }
            }
        }
    }

    private func passwordForm(_ html: inout HTML, _ page: WebPage) {
        let t = page.t
        html.element("section", [("aria-labelledby", "password-heading")]) { html in
            html.element("h2", [("id", "password-heading")]) { $0.text(t(.passwordSection)) }
            html.element("form", [("action", "/account/password"), ("method", "post"), ("class", "stack narrow")]) { html in
                page.csrfField(&html)
                html.void("input", [("type", "text"), ("name", "username"), ("autocomplete", "username"), ("hidden", ""),
                                    ("value", page.viewer.name ?? ""), ("aria-hidden", "true"), ("tabindex", "-1")])
                page.field(&html, id: "current_password", label: .currentPassword) { html, _ in
                    html.void("input", [("id", "current_password"), ("name", "current_password"), ("type", "password"),
                                        ("autocomplete", "current-password")])
                }
                page.field(&html, id: "new_password", label: .newPassword, hint: .passwordHint) { html, hint in
                    html.void("input", [("id", "new_password"), ("name", "password"), ("type", "password"), ("autocomplete", "new-password"),
                                        ("required", ""), ("minlength", String(PasswordHasher.length.lowerBound)), ("aria-describedby", hint)])
                }
                html.element("button", [("type", "submit")]) { $0.text(t(.setPassword)) }
            }
        }
    }

    private func sessions(_ html: inout HTML, _ page: WebPage, _ sessions: JSONValue) {
        let t = page.t
        html.element("section", [("aria-labelledby", "sessions-heading")]) { html in
            html.element("h2", [("id", "sessions-heading")]) { $0.text(t(.sessions)) }
            html.element("ul", [("class", "sessions")]) { html in
                for session in sessions.items("items") {
                    let id = session.int("id") ?? 0
                    html.element("li") { html in
                        html.text(session.string("user_agent").flatMap { $0.isEmpty ? nil : $0 } ?? "—")
                        html.element("span", [("class", "meta")]) { html in
                            if session.bool("current") { html.text(" · " + t(.thisDevice)) }
                            html.text(" · " + t(.lastSeen) + " ")
                            if let seen = session.time("last_seen_at") { WebDate.write(seen, page.language, into: &html) }
                        }
                        if !session.bool("current") {
                            html.element("form", [("action", "/account/sessions/\(id)/revoke"), ("method", "post"), ("class", "inline")]) { html in
                                page.csrfField(&html)
                                html.element("button", [("type", "submit"), ("class", "secondary small")]) { $0.text(t(.signOutDevice)) }
                            }
                        }
                    }
                }
            }
        }
    }

    // MARK: forms and the download

    /// `GET /me/data`, as a file to save.
    func export(_ request: Request) throws -> Reply {
        guard SessionCookie.value(request) != nil else { return .response(WebForm.redirect("/signin?next=/account")) }
        let reply: Reply
        do { reply = try web.api.personal.export(request) } catch let error as HTTPError where error.status == .unauthorized {
            return .response(WebForm.redirect("/signin?next=/account"))
        }
        return reply.map { response in
            var response = response
            if response.status == .ok {
                response.headers.set("Content-Disposition", #"attachment; filename="groundswell-my-data.json""#)
            }
            return response
        }
    }

    func profile(_ request: Request) throws -> Reply {
        try web.form(request, back: "/account") { page, form in
            let reply = form.call(web.api.personal.change, from: request, method: .patch,
                                  body: form.json([("name", .text), ("contact_opt_in", .checkbox)]), context: web.app)
            return web.outcome(reply, page: page, back: "/account") { _ in WebForm.redirect("/account", notice: .saved) }
        }
    }

    func password(_ request: Request) throws -> Reply {
        try web.form(request, back: "/account") { page, form in
            let reply = form.call(web.api.sessions.setPassword, from: request, method: .put,
                                  body: form.json([("password", .text), ("current_password", .optionalText)]), context: web.app)
            return web.outcome(reply, page: page, back: "/account") { _ in WebForm.redirect("/account", notice: .passwordSet) }
        }
    }

    func revoke(_ request: Request) throws -> Reply {
        try web.form(request, back: "/account") { page, form in
            let id = try web.app.pathID(request, what: "session")
            let reply = form.call(web.api.sessions.revoke, from: request, method: .delete, parameters: [("id", String(id))],
                                  body: nil, context: web.app)
            return web.outcome(reply, page: page, back: "/account") { _ in WebForm.redirect("/account", notice: .revoked) }
        }
    }

    /// Erases the account (`DELETE /me`) once the reader typed DELETE; the browser's session ends.
    func delete(_ request: Request) throws -> Reply {
        try web.form(request, back: "/account") { page, form in
            guard form["confirm"]?.trimmingWhitespace().uppercased() == "DELETE" else {
                throw APIError.invalid("type DELETE to confirm")
            }
            let reply = form.call(web.api.personal.erase, from: request, method: .delete, body: nil, context: web.app)
            let secure = web.api.sessions.secureCookies
            return web.outcome(reply, page: page, back: "/account") { _ in
                var response = WebForm.redirect("/", notice: .deleted)
                response.headers.add("Set-Cookie", SessionCookie.clear(secure: secure))
                return response
            }
        }
    }
}
