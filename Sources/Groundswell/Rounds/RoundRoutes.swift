import Rules
import JSON
import HTTPServer
import SQLiteStore
import Storage

/// Funding rounds: the public view (rounds, leaderboards, awards, tallies, CSV results)
/// and the admin side (create, change, close, preview, disqualify).
struct RoundRoutes {
    let context: AppContext
    let auth: Authenticator

    func register(on router: Router) {
        router.get("/rounds") { request in try list(request) }
        router.get("/rounds/{id}") { request in try show(request) }
        router.get("/rounds/{id}/leaderboard") { request in try leaderboard(request) }
        router.get("/rounds/{id}/awards") { request in try roundReply(request) { db, round, _ in
            .json(.ok, try AwardJSON.page(db, where: "a.round_id = ?", [round.id], limit: 100_000, after: 0, orderByRank: true))
        } }
        router.get("/rounds/{id}/tally") { request in try roundReply(request, perEntry: true) { db, round, now in
            .json(.ok, try tally(db, round: round, now: now))
        } }
        router.get("/rounds/{id}/results.csv") { request in try roundReply(request, perEntry: true) { db, round, _ in
            guard round.closedAt != nil else {
                throw APIError.conflict(.roundNotClosed, "results are published when the round closes")
            }
            return Response(status: .ok, body: try resultsCSV(db, round: round), contentType: "text/csv; charset=utf-8")
        } }
        router.get("/awards") { request in try awards(request) }

        router.post("/admin/rounds") { request in try create(request) }
        router.patch("/admin/rounds/{id}") { request in try change(request) }
        router.post("/admin/rounds/{id}/close") { request in try close(request) }
        router.get("/admin/rounds/{id}/preview") { request in
            _ = try auth.staff(request, role: .admin)
            return try roundReply(request, perEntry: true) { db, round, now in .json(.ok, try tally(db, round: round, now: now)) }
        }
        router.post("/admin/ideas/{id}/disqualify") { request in try disqualify(request) }
    }

    // MARK: public

    /// Answers from the round's current state, first drawing a due lottery or closing a
    /// round whose time has passed (the scheduler does this too; whoever is first wins).
    /// `perEntry`: `build` visits every entry (a leaderboard, a tally), so for a round of more
    /// than `backgroundEntries` it reads on the search thread instead of the event loop (100,000
    /// entries took 0.45 s, stalling every connection the loop serves).
    func roundReply(_ request: Request, perEntry: Bool = false,
                    _ build: @escaping @Sendable (SQLConnection, Round, Int64) throws -> Response) throws -> Reply {
        let id = try context.pathID(request, what: "round")
        let now = context.clock.nowMillis()
        let (due, entries) = try context.read { db -> (Bool, Int64) in
            let round = try RoundStore.require(db, id: id)
            return (round.closeDue(at: now) || round.lotteryDue(at: now), try RoundStore.entryCount(db, roundID: id))
        }
        if due {
            return context.write(request) { db in
                try RoundMaintenance.catchUp(db, roundID: id, now: now)
                return try build(db, try RoundStore.require(db, id: id), now)
            }
        }
        if perEntry && entries > RoundRoutes.backgroundEntries {
            return context.backgroundReads.submit { [context] in
                try context.read { db in try build(db, try RoundStore.require(db, id: id), now) }
            }
        }
        return .response(try context.read { db in try build(db, try RoundStore.require(db, id: id), now) })
    }

    /// Entries above which a round's per-entry reads leave the event loop (`roundReply`).
    static let backgroundEntries: Int64 = 2_000

    func show(_ request: Request) throws -> Reply {
        try roundReply(request) { db, round, now in .json(.ok, try RoundStore.json(db, round, now: now)) }
    }

    func list(_ request: Request) throws -> Reply {
        let query = request.queryItems
        let page = try PageRequest(query)
        var state: RoundState?
        if let raw = query["state"], !raw.isEmpty {
            guard let parsed = RoundState(rawValue: raw) else {
                throw APIError.invalid("state must be one of upcoming, submissions, voting, closed")
            }
            state = parsed
        }
        let before = try page.cursor.map { try Cursor.decode($0, kind: "rounds", count: 1).int(0) } ?? Int64.max
        let now = context.clock.nowMillis()
        let body = try context.read { db -> [UInt8] in
            let ids = try RoundStore.ids(db, before: before)
            var json = JSONWriter(capacity: 2048)
            json.beginObject()
            json.key("items")
            json.beginArray()
            var count = 0
            var lastID: Int64?
            var more = false
            for id in ids {
                guard let round = try RoundStore.load(db, id: id), state == nil || round.state(at: now) == state else { continue }
                if count == page.limit {
                    more = true
                    break
                }
                round.write(into: &json, now: now, entryCount: try RoundStore.entryCount(db, roundID: id))
                lastID = id
                count += 1
            }
            json.endArray()
            json.key("next_cursor")
            json.optionalString(more ? lastID.map { Cursor(kind: "rounds", values: [String($0)]).encoded } : nil)
            json.endObject()
            return json.bytes
        }
        return .response(.json(.ok, body))
    }

    func leaderboard(_ request: Request) throws -> Reply {
        let tierFilter = request.queryItems["tier"].flatMap { $0.isEmpty ? nil : $0 }
        return try roundReply(request, perEntry: true) { db, round, _ in
            if let tierFilter, !round.tiers.contains(where: { $0.name == tierFilter }) {
                throw APIError.invalid("tier must name one of this round's tiers")
            }
            return .json(.ok, try RoundRoutes.leaderboardJSON(db, round: round, tier: tierFilter))
        }
    }

    /// The live ranking of a round (final after its close), as `GET /rounds/{id}/leaderboard`
    /// and the round's event stream show it.
    static func leaderboardJSON(_ db: SQLConnection, round: Round, tier tierFilter: String?) throws -> [UInt8] {
        let (placements, final) = try RoundStore.placements(db, round: round)
        let titles = try RoundStore.entryTitles(db, roundID: round.id, includeCurrent: true)
        var json = JSONWriter(capacity: 4096)
        json.beginObject()
        json.key("round_id"); json.int(round.id)
        json.key("tier"); json.optionalString(tierFilter)
        json.key("final"); json.bool(final)
        json.key("items")
        json.beginArray()
        for placement in placements where placement.rank != nil && (tierFilter == nil || placement.entry.tier == tierFilter) {
            let entry = placement.entry
            json.beginObject()
            json.key("rank"); json.int(placement.rank!)
            json.key("idea_id"); json.int(entry.ideaID)
            json.key("title"); json.string(titles[entry.ideaID] ?? "")
            json.key("tier"); json.optionalString(entry.tier)
            json.key("votes"); json.int(entry.votes)
            json.key("reached_at"); json.timestamp(entry.reachedAt)
            if round.mode == "budget" {
                json.key("requested_amount"); if let amount = entry.requestedAmount { json.int(amount) } else { json.null() }
            }
            json.key("winning"); json.bool(placement.won)
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return json.bytes
    }

    /// Everything needed to recompute the awards: per entry, counted and voided votes, the
    /// time it reached its count, the vote sequence number of that moment, rank and result.
    func tally(_ db: SQLConnection, round: Round, now: Int64) throws -> [UInt8] {
        let (placements, final) = try RoundStore.placements(db, round: round)
        var json = JSONWriter(capacity: 4096)
        json.beginObject()
        json.key("round_id"); json.int(round.id)
        json.key("final"); json.bool(final)
        json.key("state"); json.string(round.state(at: now).rawValue)
        json.key("closed_at"); if let closed = round.closedAt { json.timestamp(closed) } else { json.null() }
        json.key("mode"); json.string(round.mode)
        if let budget = round.budget { json.key("budget"); json.int(budget) }
        json.key("rule")
        json.string("rank by votes descending; ties: earlier reached_at, then lower last_vote_id, then lower idea_id; " +
                    (round.mode == "budget" ? "fund down the ranking every entry whose requested_amount still fits"
                                            : "the top `winners` of each tier win its amount"))
        json.key("entries")
        json.beginArray()
        for placement in placements {
            let entry = placement.entry
            json.beginObject()
            json.key("idea_id"); json.int(entry.ideaID)
            json.key("tier"); json.optionalString(entry.tier)
            json.key("requested_amount"); if let amount = entry.requestedAmount { json.int(amount) } else { json.null() }
            json.key("votes"); json.int(entry.votes)
            json.key("voided"); json.int(entry.voided)
            json.key("reached_at"); json.timestamp(entry.reachedAt)
            json.key("last_vote_id"); json.int(entry.lastVoteID)
            json.key("eligible"); json.bool(entry.eligible)
            json.key("rank"); if let rank = placement.rank { json.int(rank) } else { json.null() }
            json.key("won"); json.bool(placement.won)
            json.key("amount"); if let amount = placement.amount { json.int(amount) } else { json.null() }
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return json.bytes
    }

    func resultsCSV(_ db: SQLConnection, round: Round) throws -> [UInt8] {
        let titles = try RoundStore.entryTitles(db, roundID: round.id, includeCurrent: false)
        var csv = "rank,tier,idea_id,title,votes,voided,reached_at,eligible,won,amount,currency\r\n"
        for placement in try RoundStore.frozenPlacements(db, roundID: round.id) {
            let entry = placement.entry
            let fields = [placement.rank.map(String.init) ?? "", entry.tier ?? "", String(entry.ideaID), titles[entry.ideaID] ?? "",
                          String(entry.votes), String(entry.voided), Timestamp.string(entry.reachedAt),
                          entry.eligible ? "true" : "false", placement.won ? "true" : "false",
                          placement.amount.map(String.init) ?? "", round.currency]
            csv += fields.map(RoundRoutes.csvField).joined(separator: ",") + "\r\n"
        }
        return Array(csv.utf8)
    }

    /// RFC 4180 quoting; a leading = + - @ is prefixed with ' so spreadsheets do not run it.
    static func csvField(_ value: String) -> String {
        var text = value
        if let first = text.first, "=+-@".contains(first), Int(text) == nil { text = "'" + text }
        if text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return text
    }

    func awards(_ request: Request) throws -> Reply {
        let query = request.queryItems
        let page = try PageRequest(query)
        var conditions: [String] = []
        var values: [SQLiteBindable] = []
        for (name, column) in [("round_id", "a.round_id"), ("idea_id", "a.idea_id"), ("user_id", "i.author_id")] {
            guard let raw = query[name], !raw.isEmpty else { continue }
            guard let id = Int64(raw), id > 0 else { throw APIError.invalid("\(name) must be a positive integer") }
            conditions.append("\(column) = ?")
            values.append(id)
        }
        let after = try page.cursor.map { try Cursor.decode($0, kind: "awards", count: 1).int(0) } ?? 0
        // Make sure rounds whose time is up have their awards before answering.
        let now = context.clock.nowMillis()
        let due = try context.read { db in
            try RoundStore.anyCloseDue(db, now: now)
        }
        let build = { (db: SQLConnection) throws -> Response in
            .json(.ok, try AwardJSON.page(db, where: conditions.isEmpty ? "1" : conditions.joined(separator: " AND "),
                                          values, limit: page.limit, after: after, orderByRank: false))
        }
        if due {
            return context.write(request) { db in
                try RoundMaintenance.catchUpAll(db, now: now)
                return try build(db)
            }
        }
        return .response(try context.read(build))
    }

    // MARK: admin

    func create(_ request: Request) throws -> Reply {
        _ = try auth.staff(request, role: .admin)
        let settings = try RoundSettings(body: try RequestBody(request))
        let now = context.clock.nowMillis()
        let seed = settings.entrySelection == "lottery" ? Tokens.generate(prefix: "") : nil
        return context.write(request) { db in
            if let next = settings.nextRoundID, try RoundStore.load(db, id: next) == nil {
                throw APIError.invalid("next_round_id names no round")
            }
            let id = try RoundStore.create(db, settings, seed: seed, at: now)
            return .json(.created, try RoundStore.json(db, try RoundStore.require(db, id: id), now: now))
        }
    }

    func change(_ request: Request) throws -> Reply {
        _ = try auth.staff(request, role: .admin)
        let id = try context.pathID(request, what: "round")
        let body = try RequestBody(request)
        let present = Set(RoundSettings.fields.filter { body.has($0) })
        let now = context.clock.nowMillis()
        let seed = Tokens.generate(prefix: "")
        return context.write(request) { db in
            let round = try RoundStore.require(db, id: id)
            if round.state(at: now) == .closed { throw APIError.conflict(.roundClosed, "the round is closed") }
            var settings = RoundSettings(round: round)
            if now >= round.votingOpensAt {
                // Voting has begun: the rules are fixed; only the end may move, and only later.
                guard present.subtracting(["voting_closes_at"]).isEmpty else {
                    throw APIError.conflict(.roundLocked, "voting has opened: only voting_closes_at can change, and only to a later time")
                }
                if let newClose = try RoundSettings.time(body, "voting_closes_at", required: false), newClose < round.votingClosesAt {
                    throw APIError.conflict(.roundLocked, "voting_closes_at can only be extended once voting has opened")
                }
            }
            try settings.apply(body)
            try settings.validate()
            if let next = settings.nextRoundID {
                let exists = try RoundStore.load(db, id: next) != nil
                if next == id || !exists { throw APIError.invalid("next_round_id must name another round") }
            }
            try RoundStore.update(db, id: id, settings, seed: seed, replaceTiers: present.contains("tiers") || present.contains("mode"))
            return .json(.ok, try RoundStore.json(db, try RoundStore.require(db, id: id), now: now))
        }
    }

    func close(_ request: Request) throws -> Reply {
        _ = try auth.staff(request, role: .admin)
        let id = try context.pathID(request, what: "round")
        let now = context.clock.nowMillis()
        return context.write(request) { db in
            try RoundMaintenance.catchUp(db, roundID: id, now: now)
            try RoundStore.close(db, roundID: id, now: now)
            let live = context.live
            db.afterCommit { _ in live.changed(.round(id)) }
            let round = try RoundStore.require(db, id: id)
            var json = JSONWriter(capacity: 2048)
            json.beginObject()
            json.key("round")
            json.raw(try RoundStore.json(db, round, now: now))
            json.key("awards")
            json.raw(try AwardJSON.list(db, roundID: id))
            json.endObject()
            return .json(.ok, json)
        }
    }

    func disqualify(_ request: Request) throws -> Reply {
        let staff = try auth.staff(request, role: .moderator)
        let id = try context.pathID(request, what: "idea")
        let reason = try RequestBody(request).requiredString("reason", length: 1...500, multiline: true)
        let now = context.clock.nowMillis()
        return context.write(request) { db in
            guard let roundID = try RoundStore.roundOf(db, ideaID: id) else { throw APIError.notFound("idea") }
            guard let roundID else { throw APIError.conflict(.notInRound, "the idea is not entered in a round") }
            let round = try RoundStore.require(db, id: roundID)
            if round.state(at: now) == .closed { throw APIError.conflict(.roundClosed, "the round is closed; results are final") }
            try RoundStore.disqualify(db, ideaID: id, reason: reason)
            try Audit.record(db, actor: staff, action: "idea.disqualify", target: "idea:\(id)", before: nil, after: reason, at: now)
            guard let json = try IdeaJSON.fetch(db, id: id, includeHidden: true) else { throw APIError.notFound("idea") }
            return .json(.ok, json)
        }
    }
}
