import Rules
import SQLiteStore
import Storage

/// The rules for entering an idea in a round and voting in one, checked inside the
/// writer's transaction so caps and allowances hold exactly under concurrency.
enum RoundEntry {
    /// Checks an entry; returns its entry state (`entered`, or `pending` for a lottery).
    static func check(_ db: SQLConnection, roundID: Int64, category: String, tier: String?,
                      requestedAmount: Int64?, now: Int64) throws -> String {
        guard let round = try RoundStore.load(db, id: roundID) else { throw APIError.notFound("round") }
        guard round.acceptsEntries(at: now) else {
            throw APIError.conflict(.roundNotOpen, "the round is not taking entries now")
        }
        if !round.categories.isEmpty && !round.categories.contains(category) {
            throw APIError.invalid("category must be one of this round's categories: \(round.categories.joined(separator: ", "))")
        }
        if round.mode == "tiers" {
            guard let tier else { throw APIError.invalid("tier is required: name one of this round's tiers") }
            guard round.tiers.contains(where: { $0.name == tier }) else {
                throw APIError.invalid("tier must be one of \(round.tiers.map(\.name).joined(separator: ", "))")
            }
            if requestedAmount != nil { throw APIError.invalid("requested_amount is only for budget rounds") }
        } else {
            guard let requestedAmount else { throw APIError.invalid("requested_amount is required in a budget round") }
            if let budget = round.budget, requestedAmount > budget {
                throw APIError.invalid("requested_amount must not exceed the round's budget of \(budget)")
            }
            if tier != nil { throw APIError.invalid("tier is only for tiers rounds") }
        }
        if round.isLottery { return "pending" }
        if let cap = round.maxIdeas {
            // Entries counted by one node at a time (PostgreSQL), each seeing the last's commit.
            try db.lockRow("rounds", id: roundID)
            if try RoundStore.entryCount(db, roundID: roundID) >= cap {
                throw APIError.conflict(.roundFull, "the round already has its \(cap) entries")
            }
        }
        return "entered"
    }

    /// 409 `round_closed` after voting, `round_not_open` before it.
    static func requireVotingOpen(_ round: Round, now: Int64) throws {
        switch round.state(at: now) {
        case .closed: throw APIError.conflict(.roundClosed, "voting in this round has closed; results are final")
        case .upcoming, .submissions: throw APIError.conflict(.roundNotOpen, "voting in this round has not opened yet")
        case .voting: break
        }
    }

    struct VoteContext {
        let roundID: Int64?
        let day: Int64
    }

    /// Decides where a vote counts: outside rounds (day 0, once ever) or in the idea's
    /// round (its local day), enforcing the window, eligibility and the daily allowance.
    static func voteContext(_ db: SQLConnection, ideaID: Int64, userID: Int64, now: Int64) throws -> VoteContext {
        guard let idea = try db.queryOne("""
            SELECT round_id, entry_state, disqualified_reason IS NOT NULL, status FROM ideas WHERE id = ? AND hidden = 0
            """, [ideaID], { (round: $0.optionalInt64(0), entry: $0.optionalString(1), disqualified: $0.bool(2), status: $0.string(3)) })
        else { throw APIError.notFound("idea") }
        guard let roundID = idea.round else { return VoteContext(roundID: nil, day: 0) }
        // One customer's votes one after another on every node: the allowance is counted from
        // committed rows while this customer's row is held (PostgreSQL; SQLite's writer is one).
        try db.lockRow("users", id: userID)
        var round = try RoundStore.require(db, id: roundID)
        try requireVotingOpen(round, now: now)
        if round.lotteryDue(at: now) {
            try RoundStore.drawLottery(db, round: round, now: now)
            round = try RoundStore.require(db, id: roundID)
        }
        let entry = try db.scalarInt("SELECT entry_state = 'entered' FROM ideas WHERE id = ?", [ideaID]) ?? 0
        if entry == 0 || idea.disqualified || idea.status == "declined" || idea.status == "duplicate" {
            throw APIError.conflict(.notEligible, "this idea is not competing in the round")
        }
        guard let local = LocalTime(identifier: round.timezone) else { throw APIError.storageFailure }
        let day = local.day(at: now)
        if try db.scalarInt("SELECT 1 FROM votes WHERE idea_id = ? AND user_id = ? AND vote_day = ?", [ideaID, userID, day]) != nil {
            throw APIError.alreadyVoted(today: true)
        }
        let used = try votesUsed(db, userID: userID, roundID: roundID, day: day)
        if used >= round.votesPerUserPerDay {
            let wait = max(1, (local.nextMidnight(after: now) - now + 999) / 1000)
            throw APIError.voteLimit(limit: round.votesPerUserPerDay, retryAfter: wait)
        }
        return VoteContext(roundID: roundID, day: day)
    }

    /// The round's local day at `now` (votes in a round are per day of its time zone).
    static func day(of round: Round, at now: Int64) -> Int64 { LocalTime(identifier: round.timezone)?.day(at: now) ?? 0 }

    /// Votes the customer cast in the round on its local `day`.
    static func votesUsed(_ db: SQLConnection, userID: Int64, roundID: Int64, day: Int64) throws -> Int64 {
        try db.scalarInt("SELECT COUNT(*) FROM votes WHERE user_id = ? AND round_id = ? AND vote_day = ?", [userID, roundID, day]) ?? 0
    }
}
