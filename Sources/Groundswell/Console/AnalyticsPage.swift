import HTTPServer
import JSON
import Rules

/// `GET /admin`: the engagement report drawn — the ladder (stacked bars and flows), the
/// concentration of votes (Lorenz curve, top shares, Gini), advocates, cohorts, the company's
/// responsiveness and pipeline, rounds — each chart with its data as a table and a CSV link.
struct AnalyticsPage {
    let console: ConsoleContext

    func register(on router: Router) {
        router.get("/admin") { request in try show(request) }
    }

    func show(_ request: Request) throws -> Reply {
        try console.page(request) { page, staff in
            let app = console.app
            var query = try EngagementQuery(request.queryItems, now: app.clock.nowMillis())
            if let category = query.category { query.category = try app.read { db in try Categories.canonical(db, category) } }
            let fixed = query
            let choices = try app.read { db in
                (categories: try Categories.names(db), rounds: try RoundStore.recent(db, limit: 50))
            }
            return EngagementRoutes.report(app, fixed, withEmails: false) { report in
                render(page, report, categories: choices.categories, rounds: choices.rounds, admin: staff.role == .admin)
            }
        }
    }

    private func render(_ page: WebPage, _ report: EngagementReport, categories: [String], rounds: [(Int64, String)], admin: Bool) -> Response {
        let t = page.t
        let q = report.query
        var params = "from=\(EngagementQuery.dateString(q.from))&to=\(EngagementQuery.dateString(q.to))&interval=\(q.interval.rawValue)"
        if let category = q.category { params += "&category=" + WebPage.queryValue(category) }
        if let round = q.roundID { params += "&round_id=\(round)" }
        let csv = { (table: String) in "/admin/engagement.csv?table=\(table)&" + params }
        return page.render(title: t(.analytics), personal: true) { html in
            html.element("h1") { $0.text(t(.analytics)) }
            filters(&html, page, q, categories: categories, rounds: rounds)
            // Reports are kept between visits (docs/admin.md): say when this one's data was read.
            let asOf = Timestamp.string(report.asOf)
            html.element("p", [("class", "as-of")]) {
                $0.text(t(.dataAsOf) + " ")
                $0.element("time", [("datetime", asOf)]) { $0.text(String(asOf.prefix(16)).replacingOccurrences(of: "T", with: " ") + " UTC") }
            }
            // The ladder.
            let labels = report.ladder.map { EngagementQuery.dateString($0.start) }
            section(&html, id: "ladder", title: t(.ladderTitle), csv: csv("ladder"), page: page) { html in
                if report.ladder.allSatisfy({ $0.active == 0 }) { html.element("p") { $0.text(t(.noData)) } }
                SVGChart.stackedBars(&html, id: "ladder-chart", title: t(.ladderTitle), description: t(.ladderDescription), labels: labels,
                                     series: [(t(.spectators), report.ladder.map { $0.counts[.spectator] ?? 0 }),
                                              (t(.contributors), report.ladder.map { $0.counts[.contributor] ?? 0 }),
                                              (t(.creators), report.ladder.map { $0.counts[.creator] ?? 0 })])
                html.table(caption: t(.ladderTitle), headers: [t(.period), t(.spectators), t(.contributors), t(.creators)],
                      rows: report.ladder.map { p in [EngagementQuery.dateString(p.start), "\(p.counts[.spectator] ?? 0)",
                                                      "\(p.counts[.contributor] ?? 0)", "\(p.counts[.creator] ?? 0)"] })
                html.element("h3") { $0.text(t(.flowsTitle)) }
                html.element("p") { $0.element("a", [("href", csv("flows"))]) { $0.text(t(.downloadCSV) + " (" + t(.flowsTitle) + ")") } }
                if let last = report.ladder.last, report.ladder.count > 1 {
                    let rungs: [Rung] = [.none, .spectator, .contributor, .creator]
                    let names = [Rung.none: "—", .spectator: t(.spectators), .contributor: t(.contributors), .creator: t(.creators)]
                    html.table(caption: t(.flowsTitle) + " · " + EngagementQuery.dateString(last.start),
                          headers: [""] + rungs.map { names[$0]! },
                          rows: rungs.map { from in [names[from]!] + rungs.map { to in from == .none && to == .none ? "" : "\(last.flows[from]?[to] ?? 0)" } })
                }
            }
            // Concentration.
            section(&html, id: "concentration", title: t(.concentrationTitle), csv: csv("concentration"), page: page) { html in
                if let votes = report.concentration.first?.value {
                    SVGChart.lorenz(&html, id: "lorenz", title: t(.concentrationTitle), description: t(.concentrationDescription), points: votes.lorenz)
                }
                html.table(caption: t(.concentrationTitle), headers: ["", t(.topShare), t(.gini)],
                      rows: report.concentration.map { m in
                          [m.measure, [m.value.top1, m.value.top10, m.value.top20].map { percent($0) }.joined(separator: " / "),
                           String(EngagementJSON.round4(m.value.gini))]
                      })
            }
            // Advocates.
            section(&html, id: "advocates", title: t(.advocatesTitle), csv: csv("advocates"), page: page) { html in
                html.table(caption: t(.advocatesTitle), headers: ["#", t(.nameLabel), t(.score), t(.votes), t(.comments), t(.myIdeas), t(.contactOptIn)],
                      rows: report.advocates.prefix(20).map { a in
                          ["\(a.userID)", a.name, "\(a.score)", "\(a.totals.votes)", "\(a.totals.comments)", "\(a.totals.ideas)", a.contactOptIn ? "✓" : "—"]
                      })
            }
            // Cohorts.
            section(&html, id: "cohorts", title: t(.cohortsTitle), csv: csv("cohorts"), page: page) { html in
                let width = report.cohorts.map(\.retention.count).max() ?? 0
                html.table(caption: t(.cohortsTitle), headers: [t(.weekOf), t(.size)] + (0..<width).map { "+\($0)" },
                      rows: report.cohorts.map { c in [EngagementQuery.dateString(c.weekStart), "\(c.size)"] + c.retention.map(percent) })
            }
            // Responsiveness and the pipeline.
            section(&html, id: "responsiveness", title: t(.responsivenessTitle), csv: csv("responsiveness"), page: page) { html in
                let rows = ([report.responsiveness] + report.byCategory).map { r in
                    [r.category ?? t(.allCategories), "\(r.ideas)", r.medianHours.map { String($0) } ?? "—", r.p90Hours.map { String($0) } ?? "—",
                     percent(r.within7Days), percent(r.within30Days), r.backlog.map(String.init).joined(separator: " / ")]
                }
                html.table(caption: t(.responsivenessTitle),
                      headers: [t(.category), t(.myIdeas), t(.medianHours), t(.p90Hours), t(.within7), t(.within30), t(.backlog)], rows: rows)
                html.element("h3") { $0.text(t(.funnelTitle)) }
                SVGChart.bars(&html, id: "funnel", title: t(.funnelTitle), description: t(.funnelTitle),
                              items: report.funnel.map { (EmailComposer.statusName($0.status, page.language), $0.reached) })
                html.table(caption: t(.funnelTitle), headers: [t(.stage), t(.reached), t(.conversion), t(.hoursInStage)],
                      rows: report.funnel.map { s in
                          [EmailComposer.statusName(s.status, page.language), "\(s.reached)", s.conversion.map(percent) ?? "—",
                           s.medianHoursInStage.map { String($0) } ?? "—"]
                      })
                html.element("p") { $0.element("a", [("href", csv("funnel"))]) { $0.text(t(.downloadCSV) + " (" + t(.funnelTitle) + ")") } }
            }
            // Rounds.
            section(&html, id: "rounds", title: t(.roundsTitle), csv: csv("rounds"), page: page) { html in
                html.table(caption: t(.roundsTitle), headers: [t(.roundName), t(.entries), t(.voters), t(.votes), t(.votesPerVoter), t(.voidedShare)],
                      rows: report.rounds.map { r in
                          [r.name, "\(r.entries)", "\(r.voters)", "\(r.votes)", String(EngagementJSON.round4(r.votesPerVoter)), percent(r.voidedShare)]
                      })
                for round in report.rounds where !round.turnout.isEmpty {
                    SVGChart.stackedBars(&html, id: "turnout-\(round.roundID)", title: t(.turnout) + " · " + round.name, description: t(.turnout),
                                         labels: round.turnout.map { EngagementQuery.dateString($0.day) },
                                         series: [(t(.votes), round.turnout.map { Int($0.votes) })])
                }
                html.element("p") { $0.element("a", [("href", csv("turnout"))]) { $0.text(t(.downloadCSV) + " (" + t(.turnout) + ")") } }
                let links = report.rounds.flatMap { r in r.campaigns.map { (r.name, $0) } }
                if !links.isEmpty {
                    html.table(caption: t(.campaignsTitle), headers: [t(.roundName), t(.idea), t(.campaignLabel), t(.visits), t(.votes)],
                               rows: links.map { round, c in [round, "#\(c.ideaID)", c.label.isEmpty ? "—" : c.label, "\(c.visits)", "\(c.votes)"] })
                    html.element("p") { $0.element("a", [("href", csv("campaigns"))]) { $0.text(t(.downloadCSV) + " (" + t(.campaignsTitle) + ")") } }
                }
            }
        }
    }

    private func filters(_ html: inout HTML, _ page: WebPage, _ q: EngagementQuery, categories: [String], rounds: [(Int64, String)]) {
        let t = page.t
        html.element("form", [("action", "/admin"), ("method", "get"), ("class", "filters")]) { html in
            page.field(&html, id: "from", label: .from) { html, _ in
                html.void("input", [("id", "from"), ("name", "from"), ("type", "date"), ("value", EngagementQuery.dateString(q.from))])
            }
            page.field(&html, id: "to", label: .to) { html, _ in
                html.void("input", [("id", "to"), ("name", "to"), ("type", "date"), ("value", EngagementQuery.dateString(q.to))])
            }
            page.field(&html, id: "interval", label: .interval) { html, _ in
                html.element("select", [("id", "interval"), ("name", "interval")]) { html in
                    for (kind, label) in [(PeriodKind.day, Message.dayLabel), (.week, .weekLabel), (.month, .monthLabel)] {
                        html.element("option", [("value", kind.rawValue), ("selected", q.interval == kind ? "" : nil)]) { $0.text(t(label)) }
                    }
                }
            }
            page.field(&html, id: "category", label: .category) { html, _ in
                html.element("select", [("id", "category"), ("name", "category")]) { html in
                    html.element("option", [("value", "")]) { $0.text(t(.allCategories)) }
                    for name in categories { html.element("option", [("value", name), ("selected", q.category == name ? "" : nil)]) { $0.text(name) } }
                }
            }
            page.field(&html, id: "round_id", label: .rounds) { html, _ in
                html.element("select", [("id", "round_id"), ("name", "round_id")]) { html in
                    html.element("option", [("value", "")]) { $0.text(t(.allRounds)) }
                    for (id, name) in rounds {
                        html.element("option", [("value", String(id)), ("selected", q.roundID == id ? "" : nil)]) { $0.text(name) }
                    }
                }
            }
            html.element("button", [("type", "submit"), ("class", "primary")]) { $0.text(t(.apply)) }
        }
    }

    private func section(_ html: inout HTML, id: String, title: String, csv: String, page: WebPage, body: (inout HTML) -> Void) {
        html.element("section", [("aria-labelledby", id + "-heading"), ("class", "report")]) { html in
            html.element("h2", [("id", id + "-heading")]) { $0.text(title) }
            body(&html)
            html.element("p") { $0.element("a", [("href", csv)]) { $0.text(page.t(.downloadCSV)) } }
        }
    }

    private func percent(_ value: Double) -> String { "\((value * 1000).rounded() / 10) %" }
}
