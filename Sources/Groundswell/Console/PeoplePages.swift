import HTTPServer
import JSON

/// People in the console: customers (look up by account number or email, ban with or without
/// voiding their votes, lift a ban), staff (admins add and revoke; a new token is shown once),
/// and categories (admins add and delete).
struct PeoplePages {
    let console: ConsoleContext

    func register(on router: Router, api: ConsoleAPI) {
        router.get("/admin/users") { request in try lookUp(request) }
        // One URL for the JSON and the page, as on the customer site.
        router.get("/admin/users/{id}") { request in try request.prefersHTML ? user(request) : api.admin.user(request) }
        router.post("/admin/do/users/{id}/ban") { request in try ban(request, banned: true) }
        router.post("/admin/do/users/{id}/unban") { request in try ban(request, banned: false) }
        router.get("/admin/staff") { request in try request.prefersHTML ? staff(request) : api.admin.listStaff(request) }
        router.post("/admin/do/staff") { request in try addStaff(request) }
        router.post("/admin/do/staff/{id}/revoke") { request in try revokeStaff(request) }
        router.get("/admin/categories") { request in try categories(request) }
        router.post("/admin/do/categories") { request in try addCategory(request) }
        router.post("/admin/do/categories/{id}/delete") { request in try deleteCategory(request) }
    }

    func lookUp(_ request: Request) throws -> Reply {
        try console.page(request) { page, _ in
            let t = page.t
            let q = (request.queryItems["q"] ?? "").trimmingWhitespace()
            if !q.isEmpty {
                // By account number, or by email through the sign-in look-up (erased accounts have none).
                let id = try Int64(q).map { Optional($0) } ?? console.app.read { db in try SessionStore.credentials(db, email: q)?.userID }
                if let id { return .response(WebForm.redirect("/admin/users/\(id)")) }
            }
            return .response(page.render(title: t(.users), personal: true) { html in
                html.element("h1") { $0.text(t(.lookUp)) }
                if !q.isEmpty { page.errorBox(&html, WebForm.Failure(APIError.notFound("customer"))) }
                html.element("form", [("action", "/admin/users"), ("method", "get"), ("class", "stack narrow")]) { html in
                    page.field(&html, id: "q", label: .lookUp, hint: .lookUpHint) { html, hint in
                        html.void("input", [("id", "q"), ("name", "q"), ("required", ""), ("value", q), ("aria-describedby", hint)])
                    }
                    html.element("button", [("type", "submit"), ("class", "primary")]) { $0.text(t(.searchButton)) }
                }
            })
        }
    }

    func user(_ request: Request) throws -> Reply {
        try console.page(request) { page, staff in
            let id = try console.app.pathID(request, what: "user")
            return try console.read(console.api.admin.user, request, target: "/admin/users/\(id)", parameters: [("id", String(id))], page: page) { box in
                let t = page.t
                let user = box.value
                let banned = user.bool("banned")
                return page.render(title: user.string("name") ?? t(.users), personal: true) { html in
                    html.element("h1") { $0.text((user.string("name") ?? "") + " · #\(id)") }
                    if banned { html.element("p", [("class", "error")]) { $0.text(t(.bannedNow)) } }
                    html.element("dl", [("class", "facts")]) { html in
                        for (key, value) in orderedMembers(user) where key != "name" {
                            html.element("dt") { $0.text(key) }
                            html.element("dd") { $0.text(value) }
                        }
                    }
                    guard staff.role == .admin else { return }
                    html.element("form", [("action", "/admin/do/users/\(id)/\(banned ? "unban" : "ban")"), ("method", "post"), ("class", "stack narrow")]) { html in
                        page.csrfField(&html)
                        if !banned {
                            html.element("div", [("class", "check")]) { html in
                                html.void("input", [("id", "void_votes"), ("name", "void_votes"), ("type", "checkbox"), ("value", "1")])
                                html.element("label", [("for", "void_votes")]) { $0.text(t(.voidVotes)) }
                            }
                        }
                        html.element("button", [("type", "submit"), ("class", banned ? "secondary" : "danger")]) { $0.text(t(banned ? .unban : .ban)) }
                    }
                }
            }
        }
    }

    /// An object's members as text, for a fact list (nested values as compact JSON).
    private func orderedMembers(_ value: JSONValue) -> [(String, String)] {
        guard case .object(let members) = value else { return [] }
        return members.map { key, member in
            switch member {
            case .string(let text): return (key, text)
            case .number(let text): return (key, text)
            case .bool(let flag): return (key, flag ? "true" : "false")
            case .null: return (key, "—")
            default:
                var bytes: [UInt8] = []
                member.writeCanonical(into: &bytes)
                return (key, String(decoding: bytes, as: UTF8.self))
            }
        }
    }

    func ban(_ request: Request, banned: Bool) throws -> Reply {
        try console.form(request, back: "/admin/users") { page, form, _ in
            let id = try console.app.pathID(request, what: "user")
            let moderation = console.api.moderation
            return console.submit(form, { try moderation.ban($0, banned: banned) }, request: request, page: page, parameters: [("id", String(id))],
                                  body: banned ? form.json([("void_votes", .checkbox)]) : Array("{}".utf8), back: "/admin/users/\(id)")
        }
    }

    func staff(_ request: Request) throws -> Reply {
        try console.page(request, role: .admin) { page, _ in
            try console.read(console.api.admin.listStaff, request, target: "/admin/staff", page: page) { box in
                let t = page.t
                let shown = page.request.cookie(PeoplePages.newTokenCookie) != nil
                let clear = shown ? ["\(PeoplePages.newTokenCookie)=; Path=/admin/staff; Max-Age=0; HttpOnly; SameSite=Strict"] : []
                return page.render(title: t(.staffMembers), setCookies: clear, personal: true) { html in
                    html.element("h1") { $0.text(t(.staffMembers)) }
                    if let token = page.request.cookie(PeoplePages.newTokenCookie) {
                        html.element("p", [("class", "notice")]) { html in
                            html.text(t(.newToken) + " ")
                            html.element("code") { $0.text(token) }
                        }
                    }
                    html.element("ul", [("class", "sessions")]) { html in
                        for member in box.value.items("items") where member["revoked_at"] == .null {
                            let id = member.int("id") ?? 0
                            html.element("li") { html in
                                html.text((member.string("name") ?? "") + " · " + (member.string("role") ?? "") + " ")
                                html.element("form", [("action", "/admin/do/staff/\(id)/revoke"), ("method", "post"), ("class", "inline")]) { html in
                                    page.csrfField(&html)
                                    html.element("button", [("type", "submit"), ("class", "secondary small"),
                                                            ("aria-label", t(.revoke) + ": " + (member.string("name") ?? ""))]) { $0.text(t(.revoke)) }
                                }
                            }
                        }
                    }
                    html.element("form", [("action", "/admin/do/staff"), ("method", "post"), ("class", "stack narrow")]) { html in
                        page.csrfField(&html)
                        html.element("h2") { $0.text(t(.addStaff)) }
                        page.field(&html, id: "staff-name", label: .nameLabel) { html, _ in
                            html.void("input", [("id", "staff-name"), ("name", "name"), ("required", ""), ("maxlength", "80")])
                        }
                        page.field(&html, id: "staff-role", label: .role) { html, _ in
                            html.element("select", [("id", "staff-role"), ("name", "role")]) { html in
                                html.element("option", [("value", "moderator")]) { $0.text("moderator") }
                                html.element("option", [("value", "admin")]) { $0.text("admin") }
                            }
                        }
                        html.element("button", [("type", "submit"), ("class", "primary")]) { $0.text(t(.addStaff)) }
                    }
                }
            }
        }
    }

    /// The new member's token travels to the staff page once, in a short-lived cookie scoped to
    /// the console (`HttpOnly`, a minute), and is cleared when shown — never in a URL.
    static let newTokenCookie = "gs_new_token"

    func addStaff(_ request: Request) throws -> Reply {
        try console.form(request, back: "/admin/staff") { page, form, _ in
            console.submit(form, console.api.admin.createStaff, request: request, page: page, body: form.json([("name", .text), ("role", .text)]),
                           back: "/admin/staff") { response in
                var redirect = WebForm.redirect("/admin/staff", notice: .done)
                if let token = JSONValue.of(response.body).string("token") {
                    redirect.headers.add("Set-Cookie", "\(PeoplePages.newTokenCookie)=\(token); Path=/admin/staff; Max-Age=60; HttpOnly; SameSite=Strict")
                }
                return redirect
            }
        }
    }

    func revokeStaff(_ request: Request) throws -> Reply {
        try console.form(request, back: "/admin/staff") { page, form, _ in
            let id = try console.app.pathID(request, what: "staff member")
            return console.submit(form, console.api.admin.revokeStaff, request: request, page: page, method: .delete,
                                  parameters: [("id", String(id))], body: nil, back: "/admin/staff")
        }
    }

    func categories(_ request: Request) throws -> Reply {
        try console.page(request, role: .admin) { page, _ in
            let list = JSONValue.of(try console.app.read { db in try Categories.listJSON(db) })
            let t = page.t
            return .response(page.render(title: t(.categories), personal: true) { html in
                html.element("h1") { $0.text(t(.categories)) }
                html.element("ul", [("class", "sessions")]) { html in
                    for category in list.items("items") {
                        let id = category.int("id") ?? 0
                        html.element("li") { html in
                            html.text((category.string("name") ?? "") + " ")
                            html.element("form", [("action", "/admin/do/categories/\(id)/delete"), ("method", "post"), ("class", "inline")]) { html in
                                page.csrfField(&html)
                                html.element("button", [("type", "submit"), ("class", "secondary small"),
                                                        ("aria-label", t(.deleteCategory) + ": " + (category.string("name") ?? ""))]) { $0.text(t(.deleteCategory)) }
                            }
                        }
                    }
                }
                html.element("form", [("action", "/admin/do/categories"), ("method", "post"), ("class", "stack narrow")]) { html in
                    page.csrfField(&html)
                    page.field(&html, id: "category-name", label: .addCategory) { html, _ in
                        html.void("input", [("id", "category-name"), ("name", "name"), ("required", ""), ("maxlength", "40")])
                    }
                    html.element("button", [("type", "submit"), ("class", "primary")]) { $0.text(t(.addCategory)) }
                }
            })
        }
    }

    func addCategory(_ request: Request) throws -> Reply {
        try console.form(request, back: "/admin/categories") { page, form, _ in
            console.submit(form, console.api.admin.createCategory, request: request, page: page, body: form.json([("name", .text)]),
                           back: "/admin/categories")
        }
    }

    func deleteCategory(_ request: Request) throws -> Reply {
        try console.form(request, back: "/admin/categories") { page, form, _ in
            let id = try console.app.pathID(request, what: "category")
            return console.submit(form, console.api.admin.deleteCategory, request: request, page: page, method: .delete,
                                  parameters: [("id", String(id))], body: nil, back: "/admin/categories")
        }
    }
}
