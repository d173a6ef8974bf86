import Rules
import JSON
import Crypto
import HTTPServer
import SQLiteStore
import Storage

/// Round queries and the two irreversible steps, drawing the lottery and closing, each
/// done inside the caller's write transaction.
enum RoundStore {
    static func load(_ db: SQLConnection, id: Int64) throws -> Round? {
        let tiers = try db.query("SELECT name, amount, winners FROM round_tiers WHERE round_id = ? ORDER BY position", [id]) {
            Ranking.Tier(name: $0.string(0), amount: $0.int64(1), winners: $0.int(2))
        }
        return try db.queryOne("SELECT \(Round.columns) FROM rounds WHERE id = ?", [id]) { Round(row: $0, tiers: tiers) }
    }

    static func require(_ db: SQLConnection, id: Int64) throws -> Round {
        guard let round = try load(db, id: id) else { throw APIError.notFound("round") }
        return round
    }

    /// The round's ideas in state `entered`, kept on its row by triggers (Migrations/0020): counting
    /// them visited every entry's row.
    static func entryCount(_ db: SQLConnection, roundID: Int64) throws -> Int64 {
        try db.scalarInt("SELECT entry_count FROM rounds WHERE id = ?", [roundID]) ?? 0
    }

    static func json(_ db: SQLConnection, _ round: Round, now: Int64) throws -> [UInt8] {
        var json = JSONWriter(capacity: 1024)
        round.write(into: &json, now: now, entryCount: try entryCount(db, roundID: round.id))
        return json.bytes
    }

    /// Every entry of a round with its live numbers (what closing would rank now).
    static func liveEntries(_ db: SQLConnection, round: Round) throws -> [Ranking.Entry] {
        var voided: [Int64: Int64] = [:]
        _ = try db.query("SELECT idea_id, COUNT(*) FROM voided_votes WHERE round_id = ? GROUP BY idea_id", [round.id]) {
            voided[$0.int64(0)] = $0.int64(1)
        }
        return try db.query("""
            SELECT id, tier, requested_amount, vote_count, COALESCE(last_vote_at, created_at), COALESCE(last_vote_id, 0),
                   entry_state = 'entered' AND hidden = 0 AND disqualified_reason IS NULL AND status NOT IN ('declined', 'duplicate')
            FROM ideas WHERE round_id = ? AND entry_state IN ('entered', 'pending')
            """, [round.id]) { row in
            Ranking.Entry(ideaID: row.int64(0), tier: row.optionalString(1), requestedAmount: row.optionalInt64(2),
                          votes: row.int64(3), voided: voided[row.int64(0)] ?? 0, reachedAt: row.int64(4),
                          lastVoteID: row.int64(5), eligible: row.bool(6))
        }
    }

    /// The frozen tally of a closed round.
    static func frozenPlacements(_ db: SQLConnection, roundID: Int64) throws -> [Ranking.Placement] {
        try db.query("""
            SELECT r.idea_id, r.tier, r.requested_amount, r.votes, r.voided, COALESCE(r.reached_at, 0), COALESCE(r.last_vote_id, 0),
                   r.eligible, r.rank, r.won, a.amount
            FROM round_results r LEFT JOIN awards a ON a.round_id = r.round_id AND a.idea_id = r.idea_id
            WHERE r.round_id = ?
            ORDER BY r.eligible DESC, (SELECT position FROM round_tiers t WHERE t.round_id = r.round_id AND t.name = r.tier), r.rank, r.idea_id
            """, [roundID]) { row in
            let entry = Ranking.Entry(ideaID: row.int64(0), tier: row.optionalString(1), requestedAmount: row.optionalInt64(2),
                                      votes: row.int64(3), voided: row.int64(4), reachedAt: row.int64(5),
                                      lastVoteID: row.int64(6), eligible: row.bool(7))
            return Ranking.Placement(entry: entry, rank: row.optionalInt64(8).map(Int.init), won: row.bool(9), amount: row.optionalInt64(10))
        }
    }

    /// Live placements for an open round, frozen ones for a closed round.
    static func placements(_ db: SQLConnection, round: Round) throws -> (placements: [Ranking.Placement], final: Bool) {
        if round.closedAt != nil { return (try frozenPlacements(db, roundID: round.id), true) }
        return (Ranking.place(try liveEntries(db, round: round), mode: round.rankingMode), false)
    }

    // MARK: lottery

    /// The published commitment to a lottery seed.
    static func seedHash(_ seed: String) -> String {
        Hex.string(SHA256.hash(data: Array(seed.utf8)))
    }

    /// Lottery order: ascending SHA-256 of "seed:idea_id" (hex). Anyone can re-run it.
    static func lotteryKey(seed: String, ideaID: Int64) -> String { seedHash("\(seed):\(ideaID)") }

    /// Draws `max_ideas` of the pending entries; the rest become `not_drawn`. Idempotent.
    static func drawLottery(_ db: SQLConnection, round: Round, now: Int64) throws {
        guard round.isLottery, round.lotteryDrawnAt == nil, let seed = round.lotterySeed else { return }
        // Another node may have drawn it since `round` was read: look again with the row held.
        if db.engine == .postgres {
            try db.lockRow("rounds", id: round.id)
            guard try db.scalarInt("SELECT 1 FROM rounds WHERE id = ? AND lottery_drawn_at IS NULL", [round.id]) != nil else { return }
        }
        let pending = try db.query("SELECT id FROM ideas WHERE round_id = ? AND entry_state = 'pending' AND hidden = 0 ORDER BY id",
                                   [round.id]) { $0.int64(0) }
        // Each entry's key hashed once, not once per comparison.
        let keys = Dictionary(uniqueKeysWithValues: pending.map { ($0, lotteryKey(seed: seed, ideaID: $0)) })
        let ordered = pending.sorted { keys[$0]! < keys[$1]! }
        let chosen = Set(ordered.prefix(Int(round.maxIdeas ?? Int64(ordered.count))))
        let authors = try authorsAndTitles(db, roundID: round.id)
        var states: [[SQLiteBindable]] = []
        var notices: [NotificationStore.Notice] = []
        for id in pending {
            states.append([chosen.contains(id) ? "entered" : "not_drawn", id])
            let notice = try authorNotice(db, round: round, ideaID: id, author: authors[id]) { json in
                json.key("outcome"); json.string(chosen.contains(id) ? "drawn" : "not_drawn")
            }
            if let notice { notices.append(notice) }
        }
        try db.runMany("UPDATE ideas SET entry_state = ? WHERE id = ?", states)
        try NotificationStore.notifyEach(db, notices, kind: .roundResult, now: now)
        try db.run("UPDATE ideas SET entry_state = 'not_drawn' WHERE round_id = ? AND entry_state = 'pending'", [round.id])
        try db.run("UPDATE rounds SET lottery_drawn_at = ? WHERE id = ?", [now, round.id])
    }

    // MARK: closing

    /// Closes a round in the caller's transaction: draws a pending lottery, freezes the
    /// tally, writes every award, marks the round closed and carries ideas over. Closing a
    /// closed round changes nothing.
    static func close(_ db: SQLConnection, roundID: Int64, now: Int64) throws {
        // Several nodes may close it at once (PostgreSQL): one at a time, each seeing the last's commit.
        try db.lockRow("rounds", id: roundID)
        guard var round = try load(db, id: roundID) else { throw APIError.notFound("round") }
        if round.closedAt != nil { return }
        if round.lotteryDue(at: max(now, round.submissionsCloseAt)) {
            try drawLottery(db, round: round, now: now)
            round = try require(db, id: roundID)
        }
        let placements = Ranking.place(try liveEntries(db, round: round), mode: round.rankingMode)
        let authors = try authorsAndTitles(db, roundID: roundID)
        // Written in idea order, not rank order: the results' key and the ideas' rows are then
        // visited front to back: a quarter off a 100,000-idea close (docs/performance.md). Results
        // and notices go in bulk writes of `closeBatch` (on PostgreSQL one round trip each).
        let byIdea = placements.sorted { $0.entry.ideaID < $1.entry.ideaID }
        var results: [[SQLiteBindable]] = []
        var notices: [NotificationStore.Notice] = []
        func writeOut() throws {
            try db.runMany("""
                INSERT INTO round_results (round_id, idea_id, tier, requested_amount, votes, voided, reached_at, last_vote_id, rank, eligible, won)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, results)
            try NotificationStore.notifyEach(db, notices, kind: .roundResult, now: now)
            results.removeAll(keepingCapacity: true)
            notices.removeAll(keepingCapacity: true)
        }
        for placement in byIdea {
            let entry = placement.entry
            results.append([roundID, entry.ideaID, entry.tier, entry.requestedAmount, entry.votes, entry.voided, entry.reachedAt,
                            entry.lastVoteID, placement.rank.map(Int64.init), entry.eligible, placement.won])
            let notice = try authorNotice(db, round: round, ideaID: entry.ideaID, author: authors[entry.ideaID]) { json in
                json.key("outcome"); json.string(placement.won ? "won" : "not_won")
                json.key("eligible"); json.bool(entry.eligible)
                json.key("tier"); json.optionalString(entry.tier)
                json.key("rank"); if let rank = placement.rank { json.int(rank) } else { json.null() }
                json.key("votes"); json.int(entry.votes)
                json.key("amount"); if let amount = placement.amount, placement.won { json.int(amount) } else { json.null() }
                json.key("currency"); json.string(round.currency)
            }
            if let notice { notices.append(notice) }
            if placement.won, let amount = placement.amount, let rank = placement.rank {
                try db.run("INSERT INTO awards (round_id, tier, idea_id, amount, rank, awarded_at) VALUES (?, ?, ?, ?, ?, ?)",
                           [roundID, round.mode == "tiers" ? entry.tier : nil, entry.ideaID, amount, rank, now])
            }
            if results.count == closeBatch { try writeOut() }
        }
        try writeOut()
        try db.run("UPDATE rounds SET closed_at = ? WHERE id = ?", [now, roundID])
        try carryOver(db, round: round, placements: byIdea, now: now)
        try EventOutbox.emit(db, .roundClosed, now: now) { json in
            json.beginObject()
            json.key("round"); try EventOutbox.writeRound(db, id: roundID, into: &json)
            json.key("awards"); json.raw(try AwardJSON.list(db, roundID: roundID))
            json.endObject()
        }
    }

    /// The author and title of every idea entered in the round, read in one pass (a close
    /// notifies each author; one lookup per idea was a tenth of a large close).
    static func authorsAndTitles(_ db: SQLConnection, roundID: Int64) throws -> [Int64: (author: Int64, title: String)] {
        var authors: [Int64: (author: Int64, title: String)] = [:]
        _ = try db.query("SELECT id, author_id, title FROM ideas WHERE round_id = ?", [roundID]) {
            authors[$0.int64(0)] = ($0.int64(1), $0.string(2))
        }
        return authors
    }

    /// Rows a close writes per bulk write: bounds what it holds in memory (results and notices)
    /// while keeping PostgreSQL's round trips few.
    static let closeBatch = 1_000

    /// Tells an entry's author what happened to it in `round` (`fields` adds the outcome).
    static func notifyAuthor(_ db: SQLConnection, round: Round, ideaID: Int64, now: Int64,
                             fields: (inout JSONWriter) -> Void) throws {
        guard let notice = try authorNotice(db, round: round, ideaID: ideaID, author: nil, fields: fields) else { return }
        try NotificationStore.notify(db, userID: notice.userID, ideaID: notice.ideaID, kind: .roundResult, payload: notice.payload, now: now)
    }

    /// The notice to an entry's author about `round`; `author` is the idea's author and title
    /// when the caller has them already. Nil when there is no such idea.
    static func authorNotice(_ db: SQLConnection, round: Round, ideaID: Int64, author known: (author: Int64, title: String)?,
                             fields: (inout JSONWriter) -> Void) throws -> NotificationStore.Notice? {
        let found = try known ?? db.queryOne("SELECT author_id, title FROM ideas WHERE id = ?", [ideaID]) { ($0.int64(0), $0.string(1)) }
        guard let (author, title) = found else { return nil }
        var payload = JSONWriter(capacity: 256)
        payload.beginObject()
        payload.key("round_id"); payload.int(round.id)
        payload.key("round_name"); payload.string(round.name)
        payload.key("idea_id"); payload.int(ideaID)
        payload.key("idea_title"); payload.string(title)
        fields(&payload)
        payload.endObject()
        return NotificationStore.Notice(userID: author, ideaID: ideaID, payload: payload)
    }

    /// Moves the eligible non-winners into the next round; their votes there start at zero.
    private static func carryOver(_ db: SQLConnection, round: Round, placements: [Ranking.Placement], now: Int64) throws {
        guard round.carryOver, let nextID = round.nextRoundID, let next = try load(db, id: nextID), next.closedAt == nil,
              next.mode == round.mode else { return }
        let nextTiers = Set(next.tiers.map(\.name))
        var moves: [[SQLiteBindable]] = []
        for placement in placements where placement.entry.eligible && !placement.won {
            if next.mode == "tiers", !(placement.entry.tier.map(nextTiers.contains) ?? false) { continue }
            moves.append([nextID, placement.entry.ideaID])
        }
        try db.runMany("""
            UPDATE ideas SET round_id = ?, entry_state = 'entered', vote_count = 0, trend = -1e9,
                   last_vote_at = NULL, last_vote_id = NULL
            WHERE id = ?
            """, moves)
    }

    // MARK: rounds as staff set them

    /// Round ids below `before`, newest first.
    static func ids(_ db: SQLConnection, before: Int64) throws -> [Int64] {
        try db.query("SELECT id FROM rounds WHERE id < ? ORDER BY id DESC", [before]) { $0.int64(0) }
    }

    /// Titles of the round's frozen results (and, with `includeCurrent`, of its current entries).
    static func entryTitles(_ db: SQLConnection, roundID: Int64, includeCurrent: Bool) throws -> [Int64: String] {
        var titles: [Int64: String] = [:]
        let sql = includeCurrent
            ? "SELECT id, title FROM ideas WHERE id IN (SELECT idea_id FROM round_results WHERE round_id = ?1) OR round_id = ?1"
            : "SELECT i.id, i.title FROM ideas i JOIN round_results r ON r.idea_id = i.id WHERE r.round_id = ?1"
        _ = try db.query(sql, [roundID]) { titles[$0.int64(0)] = $0.string(1) }
        return titles
    }

    static func anyCloseDue(_ db: SQLConnection, now: Int64) throws -> Bool {
        try db.scalarInt("SELECT 1 FROM rounds WHERE closed_at IS NULL AND voting_closes_at <= ? LIMIT 1", [now]) != nil
    }

    /// A new round with its tiers; returns its id.
    static func create(_ db: SQLConnection, _ settings: RoundSettings, seed: String?, at now: Int64) throws -> Int64 {
        try db.run("""
            INSERT INTO rounds (name, submissions_open_at, submissions_close_at, voting_opens_at, voting_closes_at, max_ideas,
                categories, votes_per_user_per_day, currency, mode, budget, timezone, entry_selection, lottery_seed_hash,
                lottery_seed, carry_over, next_round_id, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [settings.name, settings.submissionsOpenAt, settings.submissionsCloseAt, settings.votingOpensAt,
                  settings.votingClosesAt, settings.maxIdeas, Round.encodeCategories(settings.categories),
                  settings.votesPerUserPerDay, settings.currency, settings.mode,
                  settings.mode == "budget" ? settings.budget : nil, settings.timezone, settings.entrySelection,
                  seed.map(RoundStore.seedHash), seed, settings.carryOver, settings.nextRoundID, now])
        let id = db.lastInsertRowID
        try storeTiers(db, roundID: id, tiers: settings.mode == "tiers" ? settings.tiers : [])
        return id
    }

    /// New settings for a round (a lottery seed is kept once made); tiers replaced if asked.
    static func update(_ db: SQLConnection, id: Int64, _ settings: RoundSettings, seed: String, replaceTiers: Bool) throws {
        try db.run("""
            UPDATE rounds SET name = ?, submissions_open_at = ?, submissions_close_at = ?, voting_opens_at = ?,
                voting_closes_at = ?, max_ideas = ?, categories = ?, votes_per_user_per_day = ?, currency = ?, mode = ?,
                budget = ?, timezone = ?, entry_selection = ?, carry_over = ?, next_round_id = ?,
                lottery_seed = COALESCE(lottery_seed, ?), lottery_seed_hash = COALESCE(lottery_seed_hash, ?)
            WHERE id = ?
            """, [settings.name, settings.submissionsOpenAt, settings.submissionsCloseAt, settings.votingOpensAt,
                  settings.votingClosesAt, settings.maxIdeas, Round.encodeCategories(settings.categories),
                  settings.votesPerUserPerDay, settings.currency, settings.mode,
                  settings.mode == "budget" ? settings.budget : nil, settings.timezone, settings.entrySelection,
                  settings.carryOver, settings.nextRoundID, seed, RoundStore.seedHash(seed), id])
        if replaceTiers { try storeTiers(db, roundID: id, tiers: settings.mode == "tiers" ? settings.tiers : []) }
    }

    static func storeTiers(_ db: SQLConnection, roundID: Int64, tiers: [Ranking.Tier]) throws {
        try db.run("DELETE FROM round_tiers WHERE round_id = ?", [roundID])
        for (position, tier) in tiers.enumerated() {
            try db.run("INSERT INTO round_tiers (round_id, position, name, amount, winners) VALUES (?, ?, ?, ?, ?)",
                       [roundID, position, tier.name, tier.amount, tier.winners])
        }
    }

    /// The round an idea is entered in: `.some(nil)` when none, nil when there is no such idea.
    static func roundOf(_ db: SQLConnection, ideaID: Int64) throws -> Int64?? {
        try db.queryOne("SELECT round_id FROM ideas WHERE id = ?", [ideaID], { $0.optionalInt64(0) })
    }

    static func disqualify(_ db: SQLConnection, ideaID: Int64, reason: String) throws {
        try db.run("UPDATE ideas SET disqualified_reason = ? WHERE id = ?", [reason, ideaID])
    }

    /// The round whose voting is open now and closes first (the home page's banner), if any.
    /// The newest rounds' ids and names (the console's round filter).
    static func recent(_ db: SQLConnection, limit: Int) throws -> [(Int64, String)] {
        try db.query("SELECT id, name FROM rounds ORDER BY id DESC LIMIT ?", [limit]) { ($0.int64(0), $0.string(1)) }
    }

    /// Rounds whose submission window is open at `now`, oldest first (the submit form offers them).
    static func acceptingEntries(_ db: SQLConnection, now: Int64) throws -> [Round] {
        let ids = try db.query("""
            SELECT id FROM rounds WHERE closed_at IS NULL AND submissions_open_at <= ?1 AND submissions_close_at > ?1
              AND voting_closes_at > ?1 ORDER BY id
            """, [now]) { $0.int64(0) }
        return try ids.compactMap { try load(db, id: $0) }
    }

    static func openForVoting(_ db: SQLConnection, now: Int64) throws -> (id: Int64, name: String, closesAt: Int64)? {
        try db.queryOne("""
            SELECT id, name, voting_closes_at FROM rounds
            WHERE closed_at IS NULL AND voting_opens_at <= ? AND voting_closes_at > ? ORDER BY voting_closes_at, id LIMIT 1
            """, [now, now]) { ($0.int64(0), $0.string(1), $0.int64(2)) }
    }

    /// The next time after `now` at which `openForVoting` can give another answer without a write:
    /// a round's voting opening or closing (nil: none ahead).
    static func nextVotingChange(_ db: SQLConnection, now: Int64) throws -> Int64? {
        try db.queryOne("""
            SELECT MIN(CASE WHEN voting_opens_at > ? THEN voting_opens_at ELSE voting_closes_at END) FROM rounds
            WHERE closed_at IS NULL AND voting_closes_at > ?
            """, [now, now]) { $0.isNull(0) ? nil : $0.int64(0) } ?? nil
    }
}
