import HTTPServer
import JSON

/// Sharing an idea: `GET /ideas/new` (the form: title, description, category, and during a
/// round's submission window the round, tier or amount) and `POST /ideas/new`, which goes
/// through the API's `POST /ideas`. Similar ideas appear as the title is typed (site.js asks
/// `GET /ideas/similar`); without JavaScript the form works the same, minus the suggestions.
struct SubmitPage {
    let web: WebContext

    func register(on router: Router) {
        router.get("/ideas/new") { request in try show(request) }
        router.post("/ideas/new") { request in try submit(request) }
    }

    /// What the form offers.
    private struct Choices: Sendable {
        let categories: [String]
        let rounds: [Round]
    }

    private func choices() throws -> Choices {
        let now = web.app.clock.nowMillis()
        return try web.app.read { db in Choices(categories: try Categories.names(db), rounds: try RoundStore.acceptingEntries(db, now: now)) }
    }

    func show(_ request: Request) throws -> Reply {
        try web.page(request) { page in
            let choices = try choices()
            var values: [String: String] = [:]
            if let round = request.queryItems["round_id"] { values["round_id"] = round }
            return render(page, choices, values: values, failure: nil)
        }
    }

    func submit(_ request: Request) throws -> Reply {
        try web.form(request, back: "/ideas/new") { page, form in
            let choices = try choices()
            let reply = form.call(web.api.ideas.create, from: request, body: form.json([
                ("title", .text), ("description", .text), ("category", .text), ("round_id", .integer),
                ("tier", .optionalText), ("requested_amount", .integer),
            ]), context: web.app)
            var values: [String: String] = [:]
            for name in ["title", "description", "category", "round_id", "tier", "requested_amount"] { values[name] = form[name] }
            return web.outcome(reply, page: page, back: "/ideas/new", success: { response in
                WebForm.redirect("/ideas/\(JSONValue.of(response.body).int("id") ?? 0)", notice: .submitted)
            }, otherwise: { [values] failure in
                // The form comes back as it was sent, with what went wrong: nothing typed is lost.
                render(page, choices, values: values, failure: failure)
            })
        }
    }

    private func render(_ page: WebPage, _ choices: Choices, values: [String: String], failure: WebForm.Failure?) -> Response {
        let t = page.t
        return page.render(title: t(.submitIdea), status: failure?.status ?? .ok) { html in
            html.element("h1") { $0.text(t(.submitIdea)) }
            html.element("p") { $0.text(t(.submitIntro)) }
            if let failure { page.errorBox(&html, failure) }
            guard page.viewer.signedIn else {
                html.element("p") { $0.element("a", [("class", "button primary"), ("href", "/signin?next=/ideas/new")]) { $0.text(t(.signInToSubmit)) } }
                return
            }
            html.element("form", [("action", "/ideas/new"), ("method", "post"), ("class", "stack"), ("data-similar-form", "")]) { html in
                page.csrfField(&html)
                page.field(&html, id: "title", label: .titleLabel, hint: .titleHint) { html, hint in
                    html.void("input", [("id", "title"), ("name", "title"), ("required", ""), ("minlength", "3"), ("maxlength", "140"),
                                        ("autocomplete", "off"), ("value", values["title"] ?? ""), ("aria-describedby", hint)])
                }
                html.element("section", [("id", "similar"), ("class", "similar"), ("aria-live", "polite"), ("hidden", ""),
                                         ("aria-labelledby", "similar-heading")]) { html in
                    html.element("h2", [("id", "similar-heading")]) { $0.text(t(.similarIdeas)) }
                    html.element("p") { $0.text(t(.similarHint)) }
                    html.element("ul", [("id", "similar-list")])
                }
                page.field(&html, id: "description", label: .descriptionLabel) { html, _ in
                    html.element("textarea", [("id", "description"), ("name", "description"), ("rows", "8"), ("required", ""),
                                              ("maxlength", "10000")]) { $0.text(values["description"] ?? "") }
                }
                page.field(&html, id: "category", label: .categoryLabel) { html, _ in
                    if choices.categories.isEmpty {
                        html.void("input", [("id", "category"), ("name", "category"), ("required", ""), ("maxlength", "40"),
                                            ("value", values["category"] ?? "")])
                    } else {
                        html.element("select", [("id", "category"), ("name", "category"), ("required", "")]) { html in
                            for name in choices.categories {
                                html.element("option", [("value", name), ("selected", values["category"] == name ? "" : nil)]) { $0.text(name) }
                            }
                        }
                    }
                }
                if !choices.rounds.isEmpty { roundFields(&html, page, choices.rounds, values: values) }
                html.element("button", [("type", "submit"), ("class", "primary")]) { $0.text(t(.submitButton)) }
            }
        }
    }

    /// The round, its tier or amount: offered only while a round takes entries.
    private func roundFields(_ html: inout HTML, _ page: WebPage, _ rounds: [Round], values: [String: String]) {
        let t = page.t
        html.element("fieldset") { html in
            html.element("legend") { $0.text(t(.roundEntry)) }
            page.field(&html, id: "round_id", label: .rounds) { html, _ in
                html.element("select", [("id", "round_id"), ("name", "round_id")]) { html in
                    html.element("option", [("value", "")]) { $0.text(t(.noRoundEntry)) }
                    for round in rounds {
                        html.element("option", [("value", String(round.id)), ("selected", values["round_id"] == String(round.id) ? "" : nil)]) {
                            $0.text(round.name)
                        }
                    }
                }
            }
            if rounds.contains(where: { !$0.tiers.isEmpty && $0.mode != "budget" }) {
                page.field(&html, id: "tier", label: .tierLabel) { html, _ in
                    html.element("select", [("id", "tier"), ("name", "tier")]) { html in
                        html.element("option", [("value", "")]) { $0.text("—") }
                        for round in rounds where !round.tiers.isEmpty && round.mode != "budget" {
                            html.element("optgroup", [("label", round.name)]) { html in
                                for tier in round.tiers {
                                    html.element("option", [("value", tier.name), ("selected", values["tier"] == tier.name ? "" : nil)]) {
                                        $0.text("\(tier.name) (\(RoundPages.money(tier.amount, round.currency)))")
                                    }
                                }
                            }
                        }
                    }
                }
            }
            if rounds.contains(where: { $0.mode == "budget" }) {
                page.field(&html, id: "requested_amount", label: .requestedAmountLabel) { html, _ in
                    html.void("input", [("id", "requested_amount"), ("name", "requested_amount"), ("type", "number"), ("min", "1"),
                                        ("inputmode", "numeric"), ("value", values["requested_amount"] ?? "")])
                }
            }
        }
    }
}
