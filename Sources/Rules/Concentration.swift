/// How concentrated participation is: the share of all activity made by the most active 1 %,
/// 10 % and 20 % of a population, the Lorenz curve and the Gini coefficient. `amounts` holds
/// one number per member of the population (zeros included: a member who did nothing).
public struct Concentration: Sendable, Equatable {
    public let population: Int
    public let total: Int64
    public let top1: Double
    public let top10: Double
    public let top20: Double
    public let gini: Double
    /// (share of the population, share of the activity) at 0, 10 %, …, 100 %, least active first.
    public let lorenz: [(Double, Double)]

    public static func == (a: Concentration, b: Concentration) -> Bool {
        a.population == b.population && a.total == b.total && a.top1 == b.top1 && a.top10 == b.top10 && a.top20 == b.top20
            && a.gini == b.gini && a.lorenz.elementsEqual(b.lorenz, by: { $0 == $1 })
    }

    public init(_ amounts: [Int64]) {
        let sorted = amounts.sorted()
        let n = sorted.count
        population = n
        total = sorted.reduce(0, +)
        let total = Double(self.total)
        /// The share held by the top `fraction` of members (at least one member when any).
        func topShare(_ fraction: Double) -> Double {
            guard n > 0, total > 0 else { return 0 }
            let k = max(1, Int((Double(n) * fraction).rounded(.up)))
            return Double(sorted.suffix(k).reduce(0, +)) / total
        }
        top1 = topShare(0.01)
        top10 = topShare(0.10)
        top20 = topShare(0.20)
        // Gini = (2 Σ i·x_i) / (n Σ x) − (n + 1) / n, with x ascending and i from 1.
        if n > 0 && total > 0 {
            var weighted = 0.0
            for (index, value) in sorted.enumerated() { weighted += Double(index + 1) * Double(value) }
            gini = 2 * weighted / (Double(n) * total) - Double(n + 1) / Double(n)
        } else {
            gini = 0
        }
        var points: [(Double, Double)] = [(0, 0)]
        if n > 0 && total > 0 {
            var prefix = [Int64](repeating: 0, count: n + 1)
            for index in 0..<n { prefix[index + 1] = prefix[index] + sorted[index] }
            for decile in 1...10 {
                let members = Int((Double(n) * Double(decile) / 10).rounded())
                points.append((Double(decile) / 10, Double(prefix[members]) / total))
            }
        } else {
            for decile in 1...10 { points.append((Double(decile) / 10, Double(decile) / 10)) }
        }
        lorenz = points
    }
}

/// Percentiles of durations, nearest-rank (the value at rank ⌈p·n⌉ of the sorted values).
public enum Percentile {
    public static func of(_ values: [Int64], _ p: Double) -> Int64? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = max(1, Int((p * Double(sorted.count)).rounded(.up)))
        return sorted[min(sorted.count, rank) - 1]
    }
}
