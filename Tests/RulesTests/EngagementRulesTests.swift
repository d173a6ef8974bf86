import XCTest
@testable import Rules

/// The plain-value parts of engagement analytics (issue 17): periods, the ladder, concentration.
final class EngagementRulesTests: XCTestCase {
    func day(_ y: Int, _ m: Int, _ d: Int) -> Int64 { CivilDate.days(year: y, month: m, day: d) }

    func testPeriodsStartOnMondaysAndFirstsOfMonths() {
        XCTAssertEqual(CivilDate.days(year: 1970, month: 1, day: 1), 0)
        XCTAssertTrue(CivilDate.from(days: day(2024, 2, 29)) == (2024, 2, 29))
        XCTAssertEqual(PeriodKind.week.start(of: day(2026, 6, 7)), day(2026, 6, 1), "Sunday belongs to the week from Monday")
        XCTAssertEqual(PeriodKind.week.start(of: day(2026, 6, 1)), day(2026, 6, 1))
        XCTAssertEqual(PeriodKind.week.start(of: day(1969, 12, 31)), day(1969, 12, 29))
        XCTAssertEqual(PeriodKind.month.starts(from: day(2026, 11, 15), through: day(2027, 1, 2)),
                       [day(2026, 11, 1), day(2026, 12, 1), day(2027, 1, 1)])
        XCTAssertEqual(PeriodKind.day.starts(from: day(2026, 6, 1), through: day(2026, 6, 3)).count, 3)
    }

    func testTheLadderCountsRungsAndFlows() {
        XCTAssertEqual(Rung.of(reads: 5, votes: 0, comments: 0, ideas: 0), .spectator)
        XCTAssertEqual(Rung.of(reads: 0, votes: 0, comments: 1, ideas: 0), .contributor)
        XCTAssertEqual(Rung.of(reads: 0, votes: 3, comments: 1, ideas: 1), .creator)
        XCTAssertEqual(Rung.of(reads: 0, votes: 0, comments: 0, ideas: 0), .none)
        let periods = Ladder.periods(starts: [0, 7], rungs: [["a": .spectator, "b": .contributor], ["a": .contributor, "c": .creator]])
        XCTAssertEqual(periods[0].counts, [.spectator: 1, .contributor: 1])
        XCTAssertEqual(periods[0].flows, [:])
        XCTAssertEqual(periods[1].flows[.spectator]?[.contributor], 1)
        XCTAssertEqual(periods[1].flows[.contributor]?[.none], 1)
        XCTAssertEqual(periods[1].flows[.none]?[.creator], 1)
    }

    /// The byte-array ladder agrees with the map one on random periods (rows noted several
    /// times per actor and period, in any order, actors numbered sparsely).
    func testTheDenseLadderAgreesWithTheMapLadder() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let periodCount = Int.random(in: 1...6, using: &generator)
            var dense = Ladder.DenseBuilder()
            var maps: [[Int: Rung]] = []
            for index in 0..<periodCount {
                var map: [Int: Rung] = [:]
                for _ in 0..<Int.random(in: 0...40, using: &generator) {
                    let actor = Int.random(in: 0...60, using: &generator) * 3
                    let rung = Rung(rawValue: Int.random(in: 0...3, using: &generator))!
                    dense.note(actor, rung)
                    if rung != .none { map[actor] = max(map[actor] ?? .none, rung) }
                }
                dense.close(start: Int64(index * 7))
                maps.append(map)
            }
            XCTAssertEqual(dense.periods, Ladder.periods(starts: (0..<periodCount).map { Int64($0 * 7) }, rungs: maps))
        }
    }

    func testConcentration() {
        let equal = Concentration([5, 5, 5, 5])
        XCTAssertEqual(equal.gini, 0, accuracy: 1e-12)
        XCTAssertEqual(equal.top20, 0.25, "one member of four")
        let one = Concentration([0, 0, 0, 10])
        XCTAssertEqual(one.gini, 0.75, accuracy: 1e-12, "(n − 1) / n when one member does everything")
        XCTAssertEqual(one.top1, 1)
        XCTAssertEqual(one.lorenz.first!.1, 0)
        XCTAssertEqual(one.lorenz.last!.1, 1)
        let empty = Concentration([])
        XCTAssertEqual(empty.population, 0)
        XCTAssertEqual(empty.gini, 0)
        XCTAssertEqual(Percentile.of([10, 20, 30, 40], 0.5), 20)
        XCTAssertEqual(Percentile.of([10, 20, 30, 40], 0.9), 40)
        XCTAssertNil(Percentile.of([], 0.5))
    }
}
