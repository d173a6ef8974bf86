/// The award rules as a pure function, shared by closing, preview, leaderboards and the
/// published tally, so what staff preview is exactly what closing writes.
public enum Ranking {
    public struct Entry: Sendable, Equatable {
        public var ideaID: Int64
        public var tier: String?
        public var requestedAmount: Int64?
        public var votes: Int64
        public var voided: Int64
        /// When the idea reached its current count: its last counted vote, or its entry time.
        public var reachedAt: Int64
        /// The id of that last vote (the order votes were recorded in, finer than a millisecond).
        public var lastVoteID: Int64
        public var eligible: Bool

        public init(ideaID: Int64, tier: String?, requestedAmount: Int64?, votes: Int64, voided: Int64,
                    reachedAt: Int64, lastVoteID: Int64, eligible: Bool) {
            self.ideaID = ideaID
            self.tier = tier
            self.requestedAmount = requestedAmount
            self.votes = votes
            self.voided = voided
            self.reachedAt = reachedAt
            self.lastVoteID = lastVoteID
            self.eligible = eligible
        }
    }

    public struct Tier: Sendable, Equatable {
        public var name: String
        public var amount: Int64
        public var winners: Int
        public init(name: String, amount: Int64, winners: Int) {
            self.name = name
            self.amount = amount
            self.winners = winners
        }
    }

    public struct Placement: Sendable, Equatable {
        public var entry: Entry
        /// Position among eligible entries of its tier (budget mode: of the whole round).
        public var rank: Int?
        public var won: Bool
        public var amount: Int64?

        public init(entry: Entry, rank: Int?, won: Bool, amount: Int64?) {
            self.entry = entry
            self.rank = rank
            self.won = won
            self.amount = amount
        }
    }

    public enum Mode: Sendable, Equatable {
        case tiers([Tier])
        case budget(Int64)
    }

    /// More votes first; equal votes: whoever reached the count first, then the vote
    /// recorded first, then the lower idea id.
    public static func precedes(_ a: Entry, _ b: Entry) -> Bool {
        if a.votes != b.votes { return a.votes > b.votes }
        if a.reachedAt != b.reachedAt { return a.reachedAt < b.reachedAt }
        if a.lastVoteID != b.lastVoteID { return a.lastVoteID < b.lastVoteID }
        return a.ideaID < b.ideaID
    }

    /// Ranks every entry and decides the winners. Output: eligible entries in rank order
    /// (tier by tier in the round's tier order), then ineligible ones by idea id.
    public static func place(_ entries: [Entry], mode: Mode) -> [Placement] {
        var placements: [Placement] = []
        var ineligible: [Entry] = []
        switch mode {
        case .tiers(let tiers):
            let names = Set(tiers.map(\.name))
            var byTier: [String: [Entry]] = [:]
            for entry in entries {
                if entry.eligible, let tier = entry.tier, names.contains(tier) {
                    byTier[tier, default: []].append(entry)
                } else {
                    ineligible.append(entry)
                }
            }
            for tier in tiers {
                let ranked = (byTier[tier.name] ?? []).sorted(by: precedes)
                for (index, entry) in ranked.enumerated() {
                    let won = index < tier.winners
                    placements.append(Placement(entry: entry, rank: index + 1, won: won, amount: won ? tier.amount : nil))
                }
            }
        case .budget(let budget):
            var left = budget
            let ranked = entries.filter { $0.eligible && ($0.requestedAmount ?? 0) > 0 }.sorted(by: precedes)
            ineligible = entries.filter { !($0.eligible && ($0.requestedAmount ?? 0) > 0) }
            for (index, entry) in ranked.enumerated() {
                let asked = entry.requestedAmount ?? 0
                let fits = asked <= left
                if fits { left -= asked }
                placements.append(Placement(entry: entry, rank: index + 1, won: fits, amount: fits ? asked : nil))
            }
        }
        for entry in ineligible.sorted(by: { $0.ideaID < $1.ideaID }) {
            placements.append(Placement(entry: entry, rank: nil, won: false, amount: nil))
        }
        return placements
    }
}
