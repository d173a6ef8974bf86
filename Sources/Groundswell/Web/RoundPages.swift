import HTTPServer
import JSON

/// Funding rounds as pages: the list (`GET /rounds` for a browser) and a round (`GET
/// /rounds/{id}`): its windows, tiers and rules, the live leaderboard with vote buttons, the
/// reader's votes left today and when they come back, and after the close the awards and the
/// published tally. The data is the API's own (`RoundRoutes`), so a page and the JSON agree.
struct RoundPages {
    let web: WebContext

    /// Kept until the next commit or the next time a listed round changes state.
    func list(_ request: Request) throws -> Reply {
        try web.shapedPage(request) { page in
            guard case .response(let response) = try web.api.rounds.list(request.inProcess(target: "/rounds?limit=100")) else {
                throw APIError.unexpected
            }
            let rounds = JSONValue.of(response.body).items("items")
            let t = page.t
            let rendered = page.render(title: t(.rounds)) { html in
                html.element("h1") { $0.text(t(.rounds)) }
                html.element("p") { $0.text(t(.roundsIntro)) }
                guard !rounds.isEmpty else {
                    html.element("p") { $0.text(t(.noRounds)) }
                    return
                }
                html.element("ul", [("class", "cards")]) { html in
                    for round in rounds {
                        html.element("li", [("class", "card")]) { html in
                            html.element("h2") { $0.element("a", [("href", "/rounds/\(round.int("id") ?? 0)")]) { $0.text(round.string("name") ?? "") } }
                            html.element("p", [("class", "meta")]) { html in
                                html.element("span", [("class", "badge state-\(round.string("state") ?? "")")]) {
                                    $0.text(RoundPages.stateName(round.string("state"), page.language))
                                }
                                html.text(" · \(round.int("entry_count") ?? 0) \(t(.entries)) · \(round.int("vote_count") ?? 0) \(t(.votes))")
                            }
                            windows(&html, page, round)
                        }
                    }
                }
            }
            return WebContext.Rendered(rendered, expires: RoundPages.nextStateChange(rounds, after: web.app.clock.nowMillis()))
        }
    }

    /// The next time after `now` at which one of `rounds` (their JSON) enters another window —
    /// submissions, voting, closing — with no commit: a kept page that shows their states ends then.
    static func nextStateChange(_ rounds: [JSONValue], after now: Int64) -> Int64? {
        let fields = ["submissions_open_at", "submissions_close_at", "voting_opens_at", "voting_closes_at"]
        return rounds.flatMap { round in fields.compactMap { round.time($0) } }.filter { $0 > now }.min()
    }

    /// For readers who are not signed in, kept until the next commit (every vote in the round is
    /// one) or the round's next window, rendered once at a time (`WebContext.rendered`): during a
    /// funding round this is the page everyone watches.
    func show(_ request: Request) throws -> Reply {
        let (key, generation, kept) = web.lookUp(request)
        if let kept { return .response(kept) }
        let page = WebPage(request, viewer: try WebViewer.of(request, context: web.app))
        let userID = page.viewer.userID
        // Read and rendered on a page thread (the API reads rounds under 2,000 entries inline).
        return web.apiPage(request, page: page, key: key, generation: generation, back: "/rounds", what: "a round page", offLoop: true,
                           { try roundReply(request, userID: userID) }) { [web] response in
            let data = JSONValue.of(response.body)
            return WebContext.Rendered(render(page, data),
                                       expires: RoundPages.nextStateChange([data["round"] ?? .null], after: web.app.clock.nowMillis()))
        }
    }

    /// The round's JSON with its live numbers (and, once closed, its awards and tally) for `userID`.
    private func roundReply(_ request: Request, userID: Int64?) throws -> Reply {
        let rounds = web.api.rounds
        return try rounds.roundReply(request, perEntry: true) { db, round, now in
            var json = JSONWriter(capacity: 8192)
            json.beginObject()
            json.key("round"); json.raw(try RoundStore.json(db, round, now: now))
            json.key("live")
            json.raw(try LiveRoutes.roundState(db, id: round.id, userIDs: userID.map { [$0] } ?? [], now: now)?.message(for: userID).body ?? [])
            if round.closedAt != nil {
                json.key("awards")
                json.raw(try AwardJSON.page(db, where: "a.round_id = ?", [round.id], limit: 100_000, after: 0, orderByRank: true))
                json.key("tally"); json.raw(try rounds.tally(db, round: round, now: now))
            }
            json.endObject()
            return .json(.ok, json.bytes)
        }
    }

    private func render(_ page: WebPage, _ data: JSONValue) -> Response {
        let t = page.t
        let round = data["round"] ?? .null
        let live = data["live"] ?? .null
        let id = round.int("id") ?? 0
        let state = round.string("state") ?? ""
        let currency = round.string("currency") ?? ""
        let now = web.app.clock.nowMillis()
        return page.render(title: round.string("name") ?? t(.rounds), readScopes: ["r:\(id)"]) { html in
            html.element("h1") { $0.text(round.string("name") ?? "") }
            html.element("p", [("class", "meta")]) { html in
                html.element("span", [("class", "badge state-\(state)")]) { $0.text(RoundPages.stateName(state, page.language)) }
                html.text(" · \(round.int("entry_count") ?? 0) \(t(.entries)) · \(round.int("vote_count") ?? 0) \(t(.votes))")
            }
            windows(&html, page, round)
            if state == "submissions" || (state == "voting" && round.string("entry_selection") != "lottery") {
                html.element("p") { $0.element("a", [("class", "button primary"), ("href", "/ideas/new?round_id=\(id)")]) { $0.text(t(.submitIdea)) } }
            }
            // The reader's allowance today, kept current by site.js from the round's event stream.
            if let remaining = live.int("remaining_votes") {
                html.element("section", [("class", "allowance"), ("aria-label", t(.remainingVotes)), ("data-allowance", String(id))]) { html in
                    html.element("p") { html in
                        html.text(t(.remainingVotes) + ": ")
                        html.element("strong", [("data-remaining", "")]) { $0.text(String(remaining)) }
                        html.text(" / \(round.int("votes_per_user_per_day") ?? 0)")
                    }
                    if remaining == 0 { html.element("p", [("class", "spent")]) { $0.text(t(.votesSpent)) } }
                    if let resets = live.time("resets_at") {
                        html.element("p", [("class", "meta")]) { html in
                            html.text(t(.resetsIn) + " ")
                            html.element("time", [("datetime", Timestamp.string(resets))]) { $0.text(WebDate.duration(resets - now, page.language)) }
                            html.text(" (\(round.string("timezone") ?? ""))")
                        }
                    }
                }
            }
            rules(&html, page, round, currency: currency)
            leaderboard(&html, page, live["leaderboard"] ?? .null, roundID: id, voting: state == "voting", currency: currency)
            if let awards = data["awards"] {
                var titles: [Int64: String] = [:]
                for item in (live["leaderboard"] ?? .null).items("items") {
                    if let ideaID = item.int("idea_id") { titles[ideaID] = item.string("title") }
                }
                self.awards(&html, page, awards, tally: data["tally"] ?? .null, titles: titles, roundID: id, currency: currency)
            }
        }
    }

    private func windows(_ html: inout HTML, _ page: WebPage, _ round: JSONValue) {
        html.element("dl", [("class", "facts")]) { html in
            for (label, from, to) in [(Message.submissionsWindow, "submissions_open_at", "submissions_close_at"),
                                      (Message.votingWindow, "voting_opens_at", "voting_closes_at")] {
                html.element("dt") { $0.text(page.t(label)) }
                html.element("dd") { html in
                    if let start = round.time(from) { WebDate.write(start, page.language, into: &html) }
                    html.text(" – ")
                    if let end = round.time(to) { WebDate.write(end, page.language, into: &html) }
                }
            }
        }
    }

    private func rules(_ html: inout HTML, _ page: WebPage, _ round: JSONValue, currency: String) {
        let t = page.t
        html.element("section", [("aria-labelledby", "rules-heading")]) { html in
            html.element("h2", [("id", "rules-heading")]) { $0.text(t(.rules)) }
            html.element("dl", [("class", "facts")]) { html in
                html.element("dt") { $0.text(t(.votesPerDay)) }
                html.element("dd") { $0.text("\(round.int("votes_per_user_per_day") ?? 0) (\(round.string("timezone") ?? ""))") }
                if let cap = round.int("max_ideas") {
                    html.element("dt") { $0.text(t(.maxEntries)) }
                    html.element("dd") { $0.text(String(cap)) }
                }
                if let budget = round.int("budget") {
                    html.element("dt") { $0.text(t(.budget)) }
                    html.element("dd") { $0.text(RoundPages.money(budget, currency)) }
                }
            }
            let tiers = round.items("tiers")
            if !tiers.isEmpty {
                html.element("h3") { $0.text(t(.tiers)) }
                html.element("ul", [("class", "tags")]) { html in
                    for tier in tiers {
                        html.element("li") {
                            $0.text("\(tier.string("name") ?? ""): \(RoundPages.money(tier.int("amount") ?? 0, currency)) × \(tier.int("winners") ?? 0) \(t(.winners))")
                        }
                    }
                }
            }
        }
    }

    private func leaderboard(_ html: inout HTML, _ page: WebPage, _ board: JSONValue, roundID: Int64, voting: Bool, currency: String) {
        let t = page.t
        let final = board.bool("final")
        html.element("section", [("aria-labelledby", "leaderboard-heading"), ("data-leaderboard", String(roundID))]) { html in
            html.element("h2", [("id", "leaderboard-heading")]) { $0.text(t(.leaderboard)) }
            html.element("p", [("class", "meta")]) { $0.text(t(final ? .leaderboardFinal : .leaderboardLive)) }
            let items = board.items("items")
            guard !items.isEmpty else {
                html.element("p") { $0.text(t(.noEntries)) }
                return
            }
            html.element("table") { html in
                html.element("caption", [("class", "visually-hidden")]) { $0.text(t(.leaderboard)) }
                html.element("thead") { html in
                    html.element("tr") { html in
                        for label in [Message.rank, .idea, .votes] { html.element("th", [("scope", "col")]) { $0.text(t(label)) } }
                        if voting && page.viewer.signedIn { html.element("th", [("scope", "col")]) { $0.text(t(.vote)) } }
                    }
                }
                html.element("tbody") { html in
                    for item in items.prefix(RoundPages.shownEntries) {
                        let ideaID = item.int("idea_id") ?? 0
                        html.element("tr", [("class", item.bool("winning") ? "winning" : nil)]) { html in
                            html.element("td") { $0.text(String(item.int("rank") ?? 0)) }
                            html.element("td") { html in
                                html.element("a", [("href", "/ideas/\(ideaID)")]) { $0.text(item.string("title") ?? "") }
                                if let tier = item.string("tier") { html.text(" · " + tier) }
                            }
                            html.element("td", [("data-vote-count", String(ideaID))]) { $0.text(String(item.int("votes") ?? 0)) }
                            if voting && page.viewer.signedIn {
                                html.element("td") { html in
                                    html.element("form", [("action", "/ideas/\(ideaID)/vote"), ("method", "post"), ("data-vote-form", String(ideaID)),
                                                          ("data-notice", t(.noticeVoted))]) { html in
                                        page.csrfField(&html)
                                        html.void("input", [("type", "hidden"), ("name", "action"), ("value", "vote")])
                                        html.void("input", [("type", "hidden"), ("name", "next"), ("value", "/rounds/\(roundID)")])
                                        html.element("button", [("type", "submit"), ("class", "primary small"),
                                                                ("aria-label", t(.vote) + ": " + (item.string("title") ?? ""))]) { $0.text(t(.vote)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            RoundPages.shownLine(&html, shown: items.count, page.language)
            if items.count > RoundPages.shownEntries {
                html.element("p") { $0.element("a", [("href", "/rounds/\(roundID)/leaderboard")]) { $0.text(t(.wholeRanking)) } }
            }
        }
    }

    private func awards(_ html: inout HTML, _ page: WebPage, _ awards: JSONValue, tally: JSONValue, titles: [Int64: String], roundID: Int64, currency: String) {
        let t = page.t
        html.element("section", [("aria-labelledby", "awards-heading")]) { html in
            html.element("h2", [("id", "awards-heading")]) { $0.text(t(.awards)) }
            let items = awards.items("items")
            if items.isEmpty { html.element("p") { $0.text(t(.nothingYet)) } }
            html.element("ol", [("class", "ideas")]) { html in
                for award in items {
                    html.element("li") { html in
                        html.element("a", [("href", "/ideas/\(award.int("idea_id") ?? 0)")]) { $0.text(titles[award.int("idea_id") ?? 0] ?? "#\(award.int("idea_id") ?? 0)") }
                        html.text(" · " + RoundPages.money(award.int("amount") ?? 0, award.string("currency") ?? currency))
                        if let tier = award.string("tier") { html.text(" · " + tier) }
                    }
                }
            }
            html.element("h3") { $0.text(t(.tally)) }
            html.element("p", [("class", "meta")]) { $0.text(tally.string("rule") ?? "") }
            html.element("table") { html in
                html.element("caption", [("class", "visually-hidden")]) { $0.text(t(.tally)) }
                html.element("thead") { html in
                    html.element("tr") { html in
                        for label in [Message.rank, .idea, .votes, .voided, .amount] { html.element("th", [("scope", "col")]) { $0.text(t(label)) } }
                    }
                }
                html.element("tbody") { html in
                    for entry in tally.items("entries").prefix(RoundPages.shownEntries) {
                        html.element("tr") { html in
                            html.element("td") { $0.text(entry.int("rank").map(String.init) ?? "–") }
                            html.element("td") { html in
                                html.element("a", [("href", "/ideas/\(entry.int("idea_id") ?? 0)")]) { $0.text(titles[entry.int("idea_id") ?? 0] ?? "#\(entry.int("idea_id") ?? 0)") }
                            }
                            html.element("td") { $0.text(String(entry.int("votes") ?? 0)) }
                            html.element("td") { $0.text(String(entry.int("voided") ?? 0)) }
                            html.element("td") { $0.text(entry.int("amount").map { RoundPages.money($0, currency) } ?? "–") }
                        }
                    }
                }
            }
            RoundPages.shownLine(&html, shown: tally.items("entries").count, page.language)
            html.element("p") { $0.element("a", [("href", "/rounds/\(roundID)/results.csv"), ("download", "")]) { $0.text(t(.downloadResults)) } }
        }
    }

    /// Rows a round page lists per table: the page of a 100,000-entry round was 11 MB, which no
    /// reader scrolls; the whole ranking stays a link away (JSON, and the CSV after the close).
    static let shownEntries = 200

    /// "The top 200 of 100000 entries are shown." under a table that `shownEntries` cut.
    static func shownLine(_ html: inout HTML, shown total: Int, _ language: WebLanguage) {
        guard total > shownEntries else { return }
        html.element("p", [("class", "meta")]) {
            $0.text(language == .ko ? "전체 \(total)개 중 상위 \(shownEntries)개를 표시합니다."
                                    : "The top \(shownEntries) of \(total) entries are shown.")
        }
    }

    static func stateName(_ state: String?, _ language: WebLanguage) -> String {
        switch state {
        case "upcoming": return Message.stateUpcoming.text(language)
        case "submissions": return Message.stateSubmissions.text(language)
        case "voting": return Message.stateVoting.text(language)
        default: return Message.stateClosed.text(language)
        }
    }

    /// An amount in the round's currency with thousands separators ("USD 25,000").
    static func money(_ amount: Int64, _ currency: String) -> String {
        let digits = String(amount)
        var grouped = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 && character != "-" { grouped += "," }
            grouped.append(character)
        }
        return currency.isEmpty ? grouped : currency + " " + grouped
    }
}
