/// The customer-energy ladder: in a period a customer (or an anonymous reader) is a
/// *spectator* (active, but only read), a *contributor* (voted or commented, no idea) or a
/// *creator* (submitted an idea) — the highest rung reached. Between consecutive periods each
/// one moves: up, down, stays, arrives (`none` → a rung) or goes quiet (a rung → `none`).
public enum Rung: Int, Sendable, CaseIterable, Comparable {
    case none = 0, spectator, contributor, creator

    public var name: String {
        switch self {
        case .none: return "none"
        case .spectator: return "spectator"
        case .contributor: return "contributor"
        case .creator: return "creator"
        }
    }

    public static func < (a: Rung, b: Rung) -> Bool { a.rawValue < b.rawValue }

    /// The rung of a period's activity counts.
    public static func of(reads: Int64, votes: Int64, comments: Int64, ideas: Int64) -> Rung {
        if ideas > 0 { return .creator }
        if votes + comments > 0 { return .contributor }
        if reads > 0 { return .spectator }
        return .none
    }
}

public struct Ladder: Sendable {
    /// One period: how many stood on each rung, and how they got there from the period before.
    public struct Period: Sendable, Equatable {
        public var start: Int64
        public var counts: [Rung: Int] = [:]
        /// `flows[from][to]`: actors on rung `from` in the previous period and `to` now (either may be `none`).
        public var flows: [Rung: [Rung: Int]] = [:]
        public var active: Int { counts.values.reduce(0, +) }
    }

    /// `rungs[p]` maps each actor active in period `p` to their rung there; the result has the
    /// counts and, from the second period on, the flows from the one before.
    public static func periods<Actor: Hashable>(starts: [Int64], rungs: [[Actor: Rung]]) -> [Period] {
        var out: [Period] = []
        for (index, start) in starts.enumerated() {
            var period = Period(start: start)
            let now = rungs[index]
            for rung in now.values { period.counts[rung, default: 0] += 1 }
            if index > 0 {
                let before = rungs[index - 1]
                for (actor, rung) in now { period.flows[before[actor] ?? .none, default: [:]][rung, default: 0] += 1 }
                for (actor, rung) in before where now[actor] == nil { period.flows[rung, default: [:]][.none, default: 0] += 1 }
            }
            out.append(period)
        }
        return out
    }

    /// The same, one period at a time, for actors numbered from 0 (customers by id): rungs in two
    /// byte arrays (this period's and the last), visiting only the actors seen, so a period of a
    /// million actors costs two megabytes instead of two hash maps. Rows are noted in period order.
    public struct DenseBuilder {
        public private(set) var periods: [Period] = []
        private var before: [UInt8] = [], now: [UInt8] = []
        private var seenBefore: [Int] = [], seenNow: [Int] = []

        public init() {}

        /// `actor` reached at least `rung` in the current period.
        public mutating func note(_ actor: Int, _ rung: Rung) {
            guard rung != .none else { return }
            if actor >= now.count { now.append(contentsOf: repeatElement(0, count: max(actor + 1 - now.count, now.count / 2))) }
            if now[actor] == 0 { seenNow.append(actor) }
            if rung.rawValue > Int(now[actor]) { now[actor] = UInt8(rung.rawValue) }
        }

        /// Ends the current period, which started at `start`.
        public mutating func close(start: Int64) {
            var counts = [Int](repeating: 0, count: 4)
            var flows = [[Int]](repeating: [Int](repeating: 0, count: 4), count: 4)
            let first = periods.isEmpty
            for actor in seenNow {
                let rung = Int(now[actor])
                counts[rung] += 1
                if !first { flows[actor < before.count ? Int(before[actor]) : 0][rung] += 1 }
            }
            if !first {
                for actor in seenBefore where actor >= now.count || now[actor] == 0 { flows[Int(before[actor])][0] += 1 }
            }
            var period = Period(start: start)
            for rung in Rung.allCases where counts[rung.rawValue] > 0 { period.counts[rung] = counts[rung.rawValue] }
            for from in Rung.allCases {
                for to in Rung.allCases where flows[from.rawValue][to.rawValue] > 0 {
                    period.flows[from, default: [:]][to] = flows[from.rawValue][to.rawValue]
                }
            }
            periods.append(period)
            for actor in seenBefore { before[actor] = 0 }
            swap(&before, &now)
            swap(&seenBefore, &seenNow)
            seenNow.removeAll(keepingCapacity: true)
        }
    }
}
