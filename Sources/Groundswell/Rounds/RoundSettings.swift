import Rules
import JSON
import Foundation
import HTTPServer

/// The settings of a round as an admin sends them, validated field by field (400
/// `invalid_request` naming the field). Used for creation and, merged over the stored
/// round, for changes.
struct RoundSettings {
    var name: String
    var submissionsOpenAt: Int64
    var submissionsCloseAt: Int64
    var votingOpensAt: Int64
    var votingClosesAt: Int64
    var maxIdeas: Int64?
    var categories: [String]
    var votesPerUserPerDay: Int64
    var currency: String
    var mode: String
    var tiers: [Ranking.Tier]
    var budget: Int64?
    var timezone: String
    var entrySelection: String
    var carryOver: Bool
    var nextRoundID: Int64?

    static let fields: Set<String> = [
        "name", "submissions_open_at", "submissions_close_at", "voting_opens_at", "voting_closes_at", "max_ideas",
        "categories", "votes_per_user_per_day", "currency", "mode", "tiers", "budget", "timezone", "entry_selection",
        "carry_over", "next_round_id",
    ]

    init(round: Round) {
        name = round.name
        submissionsOpenAt = round.submissionsOpenAt
        submissionsCloseAt = round.submissionsCloseAt
        votingOpensAt = round.votingOpensAt
        votingClosesAt = round.votingClosesAt
        maxIdeas = round.maxIdeas
        categories = round.categories
        votesPerUserPerDay = round.votesPerUserPerDay
        currency = round.currency
        mode = round.mode
        tiers = round.tiers
        budget = round.budget
        timezone = round.timezone
        entrySelection = round.entrySelection
        carryOver = round.carryOver
        nextRoundID = round.nextRoundID
    }

    /// A new round from a full body.
    init(body: RequestBody) throws {
        name = try body.requiredString("name", length: 1...100)
        submissionsOpenAt = try RoundSettings.time(body, "submissions_open_at")!
        submissionsCloseAt = try RoundSettings.time(body, "submissions_close_at")!
        votingOpensAt = try RoundSettings.time(body, "voting_opens_at")!
        votingClosesAt = try RoundSettings.time(body, "voting_closes_at")!
        categories = []
        votesPerUserPerDay = 10
        currency = "USD"
        mode = ""
        tiers = []
        timezone = "UTC"
        entrySelection = "first_come"
        carryOver = false
        guard body.has("mode") else { throw APIError.invalid("mode is required (tiers or budget)") }
        try apply(body)
        try validate()
    }

    /// Overwrites the fields present in `body`.
    mutating func apply(_ body: RequestBody) throws {
        if body.has("name") { name = try body.requiredString("name", length: 1...100) }
        if let t = try RoundSettings.time(body, "submissions_open_at", required: false) { submissionsOpenAt = t }
        if let t = try RoundSettings.time(body, "submissions_close_at", required: false) { submissionsCloseAt = t }
        if let t = try RoundSettings.time(body, "voting_opens_at", required: false) { votingOpensAt = t }
        if let t = try RoundSettings.time(body, "voting_closes_at", required: false) { votingClosesAt = t }
        if body.has("max_ideas") { maxIdeas = try body.int("max_ideas", range: 1...1_000_000, required: false) }
        if let raw = body.value["categories"] {
            guard case .array(let items) = raw else { throw APIError.invalid("categories must be an array of strings") }
            var names: [String] = []
            for item in items {
                guard case .string(let text) = item else { throw APIError.invalid("categories must be an array of strings") }
                let trimmed = text.trimmingWhitespace()
                guard (1...40).contains(trimmed.unicodeScalars.count) else {
                    throw APIError.invalid("categories must hold names of 1 to 40 characters")
                }
                if !names.contains(trimmed) { names.append(trimmed) }
            }
            categories = names
        }
        if body.has("votes_per_user_per_day") {
            votesPerUserPerDay = try body.int("votes_per_user_per_day", range: 1...10_000)!
        }
        if body.has("currency") {
            let code = try body.requiredString("currency", length: 3...3)
            guard code.utf8.allSatisfy({ $0 >= 65 && $0 <= 90 }) else {
                throw APIError.invalid("currency must be a three-letter ISO 4217 code such as USD")
            }
            currency = code
        }
        if body.has("mode") {
            let value = try body.requiredString("mode", length: 1...10)
            guard value == "tiers" || value == "budget" else { throw APIError.invalid("mode must be tiers or budget") }
            mode = value
        }
        if let raw = body.value["tiers"] {
            if case .null = raw { tiers = [] } else { tiers = try RoundSettings.tiers(raw) }
        }
        if body.has("budget") { budget = try body.int("budget", range: 1...1_000_000_000_000, required: false) }
        if body.has("timezone") {
            let zone = try body.requiredString("timezone", length: 1...64)
            guard LocalTime(identifier: zone) != nil else { throw APIError.invalid("timezone must be an IANA name such as America/New_York") }
            timezone = zone
        }
        if body.has("entry_selection") {
            let value = try body.requiredString("entry_selection", length: 1...20)
            guard value == "first_come" || value == "lottery" else {
                throw APIError.invalid("entry_selection must be first_come or lottery")
            }
            entrySelection = value
        }
        if body.has("carry_over") { carryOver = try body.bool("carry_over") ?? false }
        if body.has("next_round_id") { nextRoundID = try body.int("next_round_id", range: 1...Int64.max, required: false) }
    }

    func validate() throws {
        if submissionsCloseAt <= submissionsOpenAt {
            throw APIError.invalid("submissions_close_at must be after submissions_open_at")
        }
        if votingClosesAt <= votingOpensAt { throw APIError.invalid("voting_closes_at must be after voting_opens_at") }
        if votingClosesAt < submissionsOpenAt { throw APIError.invalid("voting_closes_at must not be before submissions_open_at") }
        switch mode {
        case "tiers":
            if tiers.isEmpty { throw APIError.invalid("tiers must list at least one tier in tiers mode") }
        case "budget":
            guard budget != nil else { throw APIError.invalid("budget is required in budget mode") }
        default:
            throw APIError.invalid("mode must be tiers or budget")
        }
        if entrySelection == "lottery" && maxIdeas == nil {
            throw APIError.invalid("max_ideas is required when entry_selection is lottery")
        }
    }

    static func time(_ body: RequestBody, _ field: String, required: Bool = true) throws -> Int64? {
        guard let raw = body.value[field] else {
            if required { throw APIError.invalid("\(field) is required") }
            return nil
        }
        guard case .string(let text) = raw, let millis = Timestamp.parse(text) else {
            throw APIError.invalid("\(field) must be an RFC 3339 time such as 2026-12-01T00:00:00Z")
        }
        return millis
    }

    static func tiers(_ raw: JSONValue) throws -> [Ranking.Tier] {
        guard case .array(let items) = raw else { throw APIError.invalid("tiers must be an array") }
        if items.isEmpty { throw APIError.invalid("tiers must not be empty") }
        var tiers: [Ranking.Tier] = []
        for (index, item) in items.enumerated() {
            guard case .object = item else { throw APIError.invalid("tiers[\(index)] must be an object") }
            func integer(_ key: String) throws -> Int64 {
                guard case .number(let text)? = item[key], let value = Int64(text) else {
                    throw APIError.invalid("tiers[\(index)].\(key) must be an integer")
                }
                return value
            }
            guard case .string(let rawName)? = item["name"] else { throw APIError.invalid("tiers[\(index)].name must be a string") }
            let name = rawName.trimmingWhitespace()
            guard (1...40).contains(name.unicodeScalars.count) else {
                throw APIError.invalid("tiers[\(index)].name must be 1 to 40 characters long")
            }
            if tiers.contains(where: { $0.name == name }) { throw APIError.invalid("tiers[\(index)].name repeats \(name)") }
            let amount = try integer("amount")
            guard (1...1_000_000_000_000).contains(amount) else {
                throw APIError.invalid("tiers[\(index)].amount must be between 1 and 1000000000000")
            }
            let winners = try integer("winners")
            guard (1...100_000).contains(winners) else { throw APIError.invalid("tiers[\(index)].winners must be between 1 and 100000") }
            tiers.append(Ranking.Tier(name: name, amount: amount, winners: Int(winners)))
        }
        return tiers
    }
}
