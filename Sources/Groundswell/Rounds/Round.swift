import Rules
import JSON
import SQLiteStore
import Storage

/// A funding round as stored.
public struct Round: Sendable {
    public var id: Int64
    public var name: String
    public var submissionsOpenAt: Int64
    public var submissionsCloseAt: Int64
    public var votingOpensAt: Int64
    public var votingClosesAt: Int64
    public var maxIdeas: Int64?
    public var categories: [String]
    public var votesPerUserPerDay: Int64
    public var currency: String
    public var mode: String
    public var budget: Int64?
    public var timezone: String
    public var entrySelection: String
    public var lotterySeedHash: String?
    public var lotterySeed: String?
    public var lotteryDrawnAt: Int64?
    public var carryOver: Bool
    public var nextRoundID: Int64?
    public var closedAt: Int64?
    public var createdAt: Int64
    public var voteCount: Int64
    public var tiers: [Ranking.Tier]

    static let columns = """
        id, name, submissions_open_at, submissions_close_at, voting_opens_at, voting_closes_at, max_ideas, \
        categories, votes_per_user_per_day, currency, mode, budget, timezone, entry_selection, lottery_seed_hash, \
        lottery_seed, lottery_drawn_at, carry_over, next_round_id, closed_at, created_at, vote_count
        """

    init(row: SQLRow, tiers: [Ranking.Tier]) {
        id = row.int64(0)
        name = row.string(1)
        submissionsOpenAt = row.int64(2)
        submissionsCloseAt = row.int64(3)
        votingOpensAt = row.int64(4)
        votingClosesAt = row.int64(5)
        maxIdeas = row.optionalInt64(6)
        categories = Round.decodeCategories(row.string(7))
        votesPerUserPerDay = row.int64(8)
        currency = row.string(9)
        mode = row.string(10)
        budget = row.optionalInt64(11)
        timezone = row.string(12)
        entrySelection = row.string(13)
        lotterySeedHash = row.optionalString(14)
        lotterySeed = row.optionalString(15)
        lotteryDrawnAt = row.optionalInt64(16)
        carryOver = row.bool(17)
        nextRoundID = row.optionalInt64(18)
        closedAt = row.optionalInt64(19)
        createdAt = row.int64(20)
        voteCount = row.int64(21)
        self.tiers = tiers
    }

    public func state(at now: Int64) -> RoundState {
        RoundState.at(now, submissionsOpenAt: submissionsOpenAt, submissionsCloseAt: submissionsCloseAt,
                      votingOpensAt: votingOpensAt, votingClosesAt: votingClosesAt, closedAt: closedAt)
    }

    /// Whether the submission window is open (and the round not closed) at `now`.
    public func acceptsEntries(at now: Int64) -> Bool {
        closedAt == nil && now >= submissionsOpenAt && now < submissionsCloseAt && now < votingClosesAt
    }

    public var isLottery: Bool { entrySelection == "lottery" }

    /// Whether the lottery should be drawn now (submissions closed, not drawn yet).
    public func lotteryDue(at now: Int64) -> Bool {
        isLottery && lotteryDrawnAt == nil && (now >= submissionsCloseAt || closedAt != nil || now >= votingClosesAt)
    }

    /// Whether the round should be closed now (its time has passed but nobody closed it yet).
    public func closeDue(at now: Int64) -> Bool { closedAt == nil && now >= votingClosesAt }

    public var rankingMode: Ranking.Mode {
        mode == "budget" ? .budget(budget ?? 0) : .tiers(tiers)
    }

    static func encodeCategories(_ categories: [String]) -> String {
        var json = JSONWriter()
        json.beginArray()
        for category in categories { json.string(category) }
        json.endArray()
        return String(decoding: json.bytes, as: UTF8.self)
    }

    static func decodeCategories(_ text: String) -> [String] {
        guard case .array(let items)? = try? JSONParser.parse(Array(text.utf8)) else { return [] }
        return items.compactMap { if case .string(let s) = $0 { return s } else { return nil } }
    }

    /// The round as the API shows it.
    func write(into json: inout JSONWriter, now: Int64, entryCount: Int64) {
        json.beginObject()
        json.key("id"); json.int(id)
        json.key("name"); json.string(name)
        json.key("state"); json.string(state(at: now).rawValue)
        json.key("submissions_open_at"); json.timestamp(submissionsOpenAt)
        json.key("submissions_close_at"); json.timestamp(submissionsCloseAt)
        json.key("voting_opens_at"); json.timestamp(votingOpensAt)
        json.key("voting_closes_at"); json.timestamp(votingClosesAt)
        json.key("max_ideas"); if let maxIdeas { json.int(maxIdeas) } else { json.null() }
        json.key("categories")
        json.beginArray()
        for category in categories { json.string(category) }
        json.endArray()
        json.key("votes_per_user_per_day"); json.int(votesPerUserPerDay)
        json.key("currency"); json.string(currency)
        json.key("mode"); json.string(mode)
        json.key("tiers")
        json.beginArray()
        for tier in tiers {
            json.beginObject()
            json.key("name"); json.string(tier.name)
            json.key("amount"); json.int(tier.amount)
            json.key("winners"); json.int(tier.winners)
            json.endObject()
        }
        json.endArray()
        json.key("budget"); if let budget { json.int(budget) } else { json.null() }
        json.key("timezone"); json.string(timezone)
        json.key("entry_selection"); json.string(entrySelection)
        if isLottery {
            json.key("lottery")
            json.beginObject()
            json.key("seed_sha256"); json.optionalString(lotterySeedHash)
            json.key("seed"); json.optionalString(lotteryDrawnAt == nil ? nil : lotterySeed)
            json.key("drawn_at"); if let lotteryDrawnAt { json.timestamp(lotteryDrawnAt) } else { json.null() }
            json.endObject()
        }
        json.key("carry_over"); json.bool(carryOver)
        json.key("next_round_id"); if let nextRoundID { json.int(nextRoundID) } else { json.null() }
        json.key("entry_count"); json.int(entryCount)
        json.key("vote_count"); json.int(voteCount)
        json.key("seconds_left"); json.int(max(0, (votingClosesAt - now + 999) / 1000) * (state(at: now) == .closed ? 0 : 1))
        json.key("closed_at"); if let closedAt { json.timestamp(closedAt) } else { json.null() }
        json.key("created_at"); json.timestamp(createdAt)
        json.endObject()
    }
}
