import HTTPServer
import JSON
import SQLiteStore
import Storage

/// Rounds in the console: the list with a creation form that validates like the API (it is
/// the API: `POST /admin/rounds`), and a round's page with the awards preview, closing it, and
/// after the close its results.
struct RoundConsole {
    let console: ConsoleContext

    func register(on router: Router) {
        router.get("/admin/rounds") { request in try list(request) }
        router.get("/admin/rounds/{id}") { request in try round(request) }
        router.post("/admin/do/rounds") { request in try create(request) }
        router.post("/admin/do/rounds/{id}/close") { request in try close(request) }
    }

    func list(_ request: Request) throws -> Reply {
        try console.page(request) { page, staff in
            try console.read(console.api.rounds.list, request, target: "/rounds?limit=100", page: page) { box in
                let t = page.t
                return page.render(title: t(.rounds), personal: true) { html in
                    html.element("h1") { $0.text(t(.rounds)) }
                    html.table(caption: t(.rounds), headers: ["#", t(.roundName), t(.status), t(.entries), t(.votes)],
                               rows: box.value.items("items").map { r in
                                   ["\(r.int("id") ?? 0)", r.string("name") ?? "", RoundPages.stateName(r.string("state"), page.language),
                                    "\(r.int("entry_count") ?? 0)", "\(r.int("vote_count") ?? 0)"]
                               })
                    html.element("ul") { html in
                        for r in box.value.items("items") {
                            html.element("li") { $0.element("a", [("href", "/admin/rounds/\(r.int("id") ?? 0)")]) { $0.text(r.string("name") ?? "") } }
                        }
                    }
                    if staff.role == .admin { createForm(&html, page, values: [:]) }
                }
            }
        }
    }

    /// The creation form, filled with `values` (what was sent, when the API refused it).
    private func createForm(_ html: inout HTML, _ page: WebPage, values: [String: String]) {
        let t = page.t
        html.element("form", [("action", "/admin/do/rounds"), ("method", "post"), ("class", "stack")]) { html in
            page.csrfField(&html)
            html.element("h2") { $0.text(t(.createRound)) }
            for (id, label) in [("name", Message.roundName), ("submissions_open_at", .submissionsOpenAt), ("submissions_close_at", .submissionsCloseAt),
                                ("voting_opens_at", .votingOpensAt), ("voting_closes_at", .votingClosesAt)] as [(StaticString, Message)] {
                page.field(&html, id: id, label: label) { html, _ in
                    html.void("input", [("id", id.description), ("name", id.description), ("required", ""), ("value", values[id.description])])
                }
            }
            page.field(&html, id: "votes_per_user_per_day", label: .votesPerDay) { html, _ in
                html.void("input", [("id", "votes_per_user_per_day"), ("name", "votes_per_user_per_day"), ("type", "number"), ("min", "1"), ("value", values["votes_per_user_per_day"] ?? "5")])
            }
            page.field(&html, id: "currency", label: .currency) { html, _ in
                html.void("input", [("id", "currency"), ("name", "currency"), ("value", values["currency"] ?? "USD"), ("maxlength", "3")])
            }
            page.field(&html, id: "timezone", label: .timezone) { html, _ in
                html.void("input", [("id", "timezone"), ("name", "timezone"), ("value", values["timezone"] ?? "UTC")])
            }
            page.field(&html, id: "mode", label: .mode) { html, _ in
                html.element("select", [("id", "mode"), ("name", "mode")]) { html in
                    html.element("option", [("value", "tiers")]) { $0.text("tiers") }
                    html.element("option", [("value", "budget"), ("selected", values["mode"] == "budget" ? "" : nil)]) { $0.text("budget") }
                }
            }
            page.field(&html, id: "tiers", label: .tiersField, hint: .tiersHint) { html, hint in
                html.element("textarea", [("id", "tiers"), ("name", "tiers"), ("rows", "3"), ("aria-describedby", hint)]) { $0.text(values["tiers"] ?? "5K, 5000, 10") }
            }
            page.field(&html, id: "budget", label: .budget) { html, _ in
                html.void("input", [("id", "budget"), ("name", "budget"), ("type", "number"), ("min", "1"), ("value", values["budget"])])
            }
            html.element("button", [("type", "submit"), ("class", "primary")]) { $0.text(t(.createRound)) }
        }
    }

    func round(_ request: Request) throws -> Reply {
        try console.page(request) { page, staff in
            let id = try console.app.pathID(request, what: "round")
            let rounds = console.api.rounds
            // The tally as it stands (the awards preview before the close, the published tally after).
            let handler: Handler = { inner in try rounds.roundReply(inner, perEntry: true) { db, round, now in
                try RoundConsole.roundJSON(db, round, now: now, rounds: rounds)
            } }
            return try console.read(handler, request, target: request.target, parameters: [("id", String(id))], page: page) { box in
                render(page, box.value, id: id, admin: staff.role == .admin)
            }
        }
    }

    static func roundJSON(_ db: SQLConnection, _ round: Round, now: Int64, rounds: RoundRoutes) throws -> Response {
        var json = JSONWriter(capacity: 8192)
        json.beginObject()
        json.key("round"); json.raw(try RoundStore.json(db, round, now: now))
        json.key("tally"); json.raw(try rounds.tally(db, round: round, now: now))
        json.key("titles")
        json.beginObject()
        for (idea, title) in try RoundStore.entryTitles(db, roundID: round.id, includeCurrent: true) {
            json.key(dynamic: String(idea)); json.string(title)
        }
        json.endObject()
        json.endObject()
        return .json(.ok, json.bytes)
    }

    private func render(_ page: WebPage, _ data: JSONValue, id: Int64, admin: Bool) -> Response {
        let t = page.t
        let round = data["round"] ?? .null
        let tally = data["tally"] ?? .null
        let titles = data["titles"] ?? .null
        let closed = round["closed_at"] != .null && round["closed_at"] != nil
        return page.render(title: round.string("name") ?? t(.rounds), personal: true) { html in
            html.element("h1") { $0.text(round.string("name") ?? "") }
            html.element("p", [("class", "meta")]) { html in
                html.text(RoundPages.stateName(round.string("state"), page.language) + " · ")
                html.element("a", [("href", "/rounds/\(id)")]) { $0.text(t(.customerSite)) }
            }
            html.element("h2") { $0.text(closed ? t(.tally) : t(.preview)) }
            html.element("p", [("class", "meta")]) { $0.text(tally.string("rule") ?? "") }
            html.table(caption: closed ? t(.tally) : t(.preview), headers: [t(.rank), t(.idea), t(.votes), t(.voided), t(.amount)],
                       rows: tally.items("entries").map { e in
                           let idea = e.int("idea_id") ?? 0
                           return [e.int("rank").map(String.init) ?? "–", titles.string(String(idea)) ?? "#\(idea)", "\(e.int("votes") ?? 0)",
                                   "\(e.int("voided") ?? 0)", e.int("amount").map { RoundPages.money($0, round.string("currency") ?? "") } ?? "–"]
                       })
            if closed {
                html.element("p") { $0.element("a", [("href", "/rounds/\(id)/results.csv")]) { $0.text(t(.downloadResults)) } }
            } else if admin {
                html.element("form", [("action", "/admin/do/rounds/\(id)/close"), ("method", "post"), ("class", "stack narrow")]) { html in
                    page.csrfField(&html)
                    html.element("p") { $0.text(t(.closeWarning)) }
                    html.element("button", [("type", "submit"), ("class", "danger")]) { $0.text(t(.closeRound)) }
                }
            }
        }
    }

    func create(_ request: Request) throws -> Reply {
        try console.form(request, back: "/admin/rounds") { page, form, _ in
            var json = JSONWriter(capacity: 1024)
            json.beginObject()
            for name in ["name", "submissions_open_at", "submissions_close_at", "voting_opens_at", "voting_closes_at", "currency", "mode", "timezone"] {
                if let value = form[name], !value.trimmingWhitespace().isEmpty { json.key(dynamic: name); json.string(value.trimmingWhitespace()) }
            }
            for name in ["votes_per_user_per_day", "budget"] {
                guard let value = form[name]?.trimmingWhitespace(), !value.isEmpty else { continue }
                json.key(dynamic: name)
                if let number = Int64(value) { json.int(number) } else { json.string(value) }
            }
            // Tiers, one per line: "name, amount, winners"; what is not a number goes as text, so
            // the API names the field that is wrong.
            let lines = (form["tiers"] ?? "").split(whereSeparator: \.isNewline).map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
            if form["mode"] != "budget" || !lines.isEmpty {
                json.key("tiers")
                json.beginArray()
                for line in lines {
                    let parts = line.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingWhitespace() }
                    json.beginObject()
                    json.key("name"); json.string(parts.first ?? "")
                    for (index, key) in [(1, "amount"), (2, "winners")] {
                        json.key(dynamic: key)
                        let text = index < parts.count ? parts[index] : ""
                        if let number = Int64(text) { json.int(number) } else { json.string(text) }
                    }
                    json.endObject()
                }
                json.endArray()
            }
            json.endObject()
            var values: [String: String] = [:]
            for (name, value) in form.fields.items { values[name] = value }
            let reply = form.call(console.api.rounds.create, from: request, body: json.bytes, context: console.app)
            return console.web.outcome(reply, page: page, back: "/admin/rounds", success: { response in
                WebForm.redirect("/admin/rounds/\(JSONValue.of(response.body).int("id") ?? 0)", notice: .done)
            }, otherwise: { [values] failure in
                // The form again, as it was sent, with what the API refused: nothing typed is lost.
                page.render(title: page.t(.createRound), status: failure.status, personal: true) { html in
                    html.element("h1") { $0.text(page.t(.createRound)) }
                    page.errorBox(&html, failure)
                    createForm(&html, page, values: values)
                }
            })
        }
    }

    func close(_ request: Request) throws -> Reply {
        try console.form(request, back: "/admin/rounds") { page, form, _ in
            let id = try console.app.pathID(request, what: "round")
            return console.submit(form, console.api.rounds.close, request: request, page: page, parameters: [("id", String(id))],
                                  body: nil, back: "/admin/rounds/\(id)")
        }
    }
}
