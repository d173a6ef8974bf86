import HTTPServer
import JSON

/// Fraud review (findings with their evidence and accounts; admins void an account set's votes
/// with a reason) and the health of what Groundswell sends out (webhooks, failing deliveries,
/// open staff alerts to resolve).
struct FraudAndHealthPages {
    let console: ConsoleContext

    func register(on router: Router, api: ConsoleAPI) {
        router.get("/admin/fraud") { request in try request.prefersHTML ? fraud(request) : api.fraud.report(request) }
        router.post("/admin/do/fraud/void") { request in try void(request) }
        router.get("/admin/webhooks") { request in try request.prefersHTML ? health(request) : api.webhooks.list(request) }
        router.post("/admin/do/alerts/{id}/resolve") { request in try resolveAlert(request) }
    }

    func fraud(_ request: Request) throws -> Reply {
        try console.page(request) { page, staff in
            var target = "/admin/fraud"
            if let round = request.queryItems["round_id"], !round.isEmpty { target += "?round_id=" + WebPage.queryValue(round) }
            return try console.read(console.api.fraud.report, request, target: target, page: page) { box in
                let t = page.t
                let findings = box.value.items("findings")
                return page.render(title: t(.fraud), personal: true) { html in
                    html.element("h1") { $0.text(t(.fraud)) }
                    guard !findings.isEmpty else {
                        html.element("p") { $0.text(t(.noFindings)) }
                        return
                    }
                    html.element("ol", [("class", "ideas")]) { html in
                        for (index, finding) in findings.enumerated() {
                            let accounts = finding.items("accounts").compactMap { value -> Int64? in
                                if case .number(let text) = value { return Int64(text) }
                                return nil
                            }
                            html.element("li") { html in
                                html.element("h2") { $0.text(finding.string("pattern") ?? "") }
                                html.element("p") { $0.text(finding.string("summary") ?? "") }
                                var evidence: [UInt8] = []
                                (finding["evidence"] ?? .null).writeCanonical(into: &evidence)
                                html.element("pre", [("class", "evidence")]) { $0.text(String(decoding: evidence, as: UTF8.self)) }
                                html.element("p") { html in
                                    html.text(t(.accounts) + ": ")
                                    for account in accounts {
                                        html.element("a", [("href", "/admin/users/\(account)")]) { $0.text("#\(account)") }
                                        html.text(" ")
                                    }
                                }
                                guard staff.role == .admin, !accounts.isEmpty else { return }
                                html.element("form", [("action", "/admin/do/fraud/void"), ("method", "post"), ("class", "stack narrow")]) { html in
                                    page.csrfField(&html)
                                    html.void("input", [("type", "hidden"), ("name", "user_ids"), ("value", accounts.map(String.init).joined(separator: ","))])
                                    let field = "reason-\(index)"
                                    html.element("label", [("for", field)]) { $0.text(t(.voidReason)) }
                                    html.void("input", [("id", field), ("name", "reason"), ("required", ""), ("maxlength", "500"),
                                                        ("value", finding.string("pattern") ?? "")])
                                    html.element("button", [("type", "submit"), ("class", "danger")]) { $0.text(t(.voidButton)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    func void(_ request: Request) throws -> Reply {
        try console.form(request, back: "/admin/fraud") { page, form, _ in
            var json = JSONWriter(capacity: 512)
            json.beginObject()
            json.key("user_ids")
            json.beginArray()
            for part in (form["user_ids"] ?? "").split(separator: ",") {
                if let id = Int64(part.trimmingOWS()) { json.int(id) } else { json.string(String(part)) }
            }
            json.endArray()
            json.key("reason"); json.string(form["reason"] ?? "")
            json.endObject()
            return console.submit(form, console.api.fraud.void, request: request, page: page, body: json.bytes, back: "/admin/fraud")
        }
    }

    func health(_ request: Request) throws -> Reply {
        try console.page(request, role: .admin) { page, _ in
            let (webhooks, alerts) = try console.app.read { db in
                (JSONValue.of(try WebhookStore.list(db)), JSONValue.of(try StaffAlerts.list(db, includeResolved: false)))
            }
            let t = page.t
            return .response(page.render(title: t(.health), personal: true) { html in
                html.element("h1") { $0.text(t(.health)) }
                html.element("h2") { $0.text(t(.alerts)) }
                let open = alerts.items("items")
                if open.isEmpty { html.element("p") { $0.text(t(.noAlerts)) } }
                html.element("ul", [("class", "sessions")]) { html in
                    for alert in open {
                        let id = alert.int("id") ?? 0
                        html.element("li") { html in
                            html.text((alert.string("kind") ?? "") + ": " + (alert.string("message") ?? "") + " ")
                            html.element("form", [("action", "/admin/do/alerts/\(id)/resolve"), ("method", "post"), ("class", "inline")]) { html in
                                page.csrfField(&html)
                                html.element("button", [("type", "submit"), ("class", "secondary small"), ("aria-label", t(.resolve) + " \(id)")]) {
                                    $0.text(t(.resolve))
                                }
                            }
                        }
                    }
                }
                html.element("h2") { $0.text(t(.webhooks)) }
                html.table(caption: t(.webhooks), headers: ["#", "URL", t(.status), t(.deliveries)],
                           rows: webhooks.items("items").map { hook in
                               let state = !hook.bool("enabled") ? (hook.string("disabled_reason") ?? "disabled")
                                   : hook["failing_since"] != .null && hook["failing_since"] != nil ? t(.failing) : t(.ok)
                               return ["\(hook.int("id") ?? 0)", hook.string("url") ?? "", state, "\(hook.int("pending_deliveries") ?? 0)"]
                           })
            })
        }
    }

    func resolveAlert(_ request: Request) throws -> Reply {
        try console.form(request, back: "/admin/webhooks") { page, form, _ in
            let id = try console.app.pathID(request, what: "alert")
            return console.submit(form, console.api.webhooks.resolveAlert, request: request, page: page, parameters: [("id", String(id))],
                                  body: nil, back: "/admin/webhooks")
        }
    }
}
