import Foundation

/// The trending score: each vote is worth 2^(-age/1 day), so a vote loses half its
/// weight every 24 hours, and an idea's score is the sum over its votes. To keep the
/// stored number independent of "now", the column holds log2 of
/// Σ 2^((voted_at − epoch) / 1 day) with a fixed epoch; ordering by it is the same as
/// ordering by the decayed sum at any moment. This is the only place the formula is written:
/// `VoteLedger` applies `add` per vote and `score` when it recounts an idea (migration 0009
/// dropped the SQL copy in the delete trigger).
public enum Trending {
    /// 2023-11-14T22:13:20Z: any fixed instant works.
    public static let epochMillis: Int64 = 1_700_000_000_000
    public static let halfLifeMillis = 86_400_000.0
    /// Stored for ideas without votes.
    public static let noVotes = -1e9

    public static func exponent(_ votedAt: Int64) -> Double {
        Double(votedAt - epochMillis) / halfLifeMillis
    }

    /// log2(2^a + 2^b) without overflow.
    public static func add(_ a: Double, _ b: Double) -> Double {
        if a <= noVotes { return b }
        if b <= noVotes { return a }
        let high = max(a, b), low = min(a, b)
        return high + log2(1 + exp2(low - high))
    }

    /// The score of a set of vote times.
    public static func score(_ voteTimes: [Int64]) -> Double {
        voteTimes.reduce(noVotes) { add($0, exponent($1)) }
    }

    /// The decayed vote weight at `now` that a stored score stands for.
    public static func weight(score: Double, now: Int64) -> Double {
        score <= noVotes ? 0 : exp2(score - exponent(now))
    }
}
