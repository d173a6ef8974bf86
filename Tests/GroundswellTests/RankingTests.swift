import XCTest
@testable import Groundswell

final class RankingTests: XCTestCase {
    func entry(_ id: Int64, tier: String? = "A", votes: Int64, reached: Int64 = 0, last: Int64 = 0,
               amount: Int64? = nil, eligible: Bool = true) -> Ranking.Entry {
        Ranking.Entry(ideaID: id, tier: tier, requestedAmount: amount, votes: votes, voided: 0, reachedAt: reached,
                      lastVoteID: last, eligible: eligible)
    }

    func testTiesGoToWhoeverReachedTheCountFirstThenVoteOrderThenLowerID() {
        let entries = [entry(1, votes: 5, reached: 300, last: 30), entry(2, votes: 5, reached: 200, last: 40),
                       entry(3, votes: 5, reached: 200, last: 20), entry(4, votes: 7, reached: 900, last: 90),
                       entry(5, votes: 5, reached: 200, last: 20)]
        let placed = Ranking.place(entries, mode: .tiers([Ranking.Tier(name: "A", amount: 100, winners: 3)]))
        XCTAssertEqual(placed.map(\.entry.ideaID), [4, 3, 5, 2, 1])
        XCTAssertEqual(placed.map(\.rank), [1, 2, 3, 4, 5])
        XCTAssertEqual(placed.map(\.won), [true, true, true, false, false])
        XCTAssertEqual(placed.compactMap(\.amount), [100, 100, 100])
    }

    func testTiersRankSeparatelyAndSkipIneligibleEntries() {
        let entries = [entry(1, tier: "A", votes: 1), entry(2, tier: "B", votes: 9), entry(3, tier: "A", votes: 3, eligible: false),
                       entry(4, tier: "C", votes: 50), entry(5, tier: nil, votes: 50)]
        let placed = Ranking.place(entries, mode: .tiers([Ranking.Tier(name: "A", amount: 5, winners: 2),
                                                          Ranking.Tier(name: "B", amount: 25, winners: 1)]))
        XCTAssertEqual(placed.filter(\.won).map(\.entry.ideaID), [1, 2], "a tier with fewer entries than winners awards fewer")
        XCTAssertEqual(placed.filter { $0.rank == nil }.map(\.entry.ideaID), [3, 4, 5])
    }

    func testBudgetFundsDownTheRankingWhateverStillFits() {
        let entries = [entry(1, votes: 4, amount: 60), entry(2, votes: 3, amount: 50), entry(3, votes: 2, amount: 30),
                       entry(4, votes: 1, amount: 20), entry(5, votes: 0, amount: 10)]
        let placed = Ranking.place(entries, mode: .budget(100))
        XCTAssertEqual(placed.filter(\.won).map(\.entry.ideaID), [1, 3, 5])
        XCTAssertEqual(placed.filter(\.won).compactMap(\.amount), [60, 30, 10])
    }

    func testLocalDaysFollowTheTimezoneAndDST() throws {
        let eastern = try XCTUnwrap(LocalTime(identifier: "America/New_York"))
        let beforeMidnight = Timestamp.parse("2026-03-08T04:59:59Z")!  // 23:59:59 EST on March 7
        let afterMidnight = Timestamp.parse("2026-03-08T05:00:00Z")!   // 00:00 EST on March 8 (DST starts at 02:00)
        XCTAssertEqual(eastern.day(at: afterMidnight) - eastern.day(at: beforeMidnight), 1)
        XCTAssertEqual(eastern.nextMidnight(after: beforeMidnight), afterMidnight)
        // March 8 is 23 hours long: the next midnight is 2026-03-09T04:00:00Z (EDT).
        XCTAssertEqual(eastern.nextMidnight(after: afterMidnight), Timestamp.parse("2026-03-09T04:00:00Z")!)
        XCTAssertNil(LocalTime(identifier: "Mars/Olympus"))
    }

    func testTimestampsParseStrictlyAndNeverCrash() {
        XCTAssertEqual(Timestamp.parse("2026-11-23T16:04:40Z"), 1_795_449_880_000)
        XCTAssertEqual(Timestamp.parse("2026-11-23T16:04:40.1Z"), 1_795_449_880_100)
        XCTAssertEqual(Timestamp.parse("2026-11-23T16:04:40.123456789Z"), 1_795_449_880_123)
        XCTAssertEqual(Timestamp.parse("2026-11-23T17:04:40+01:00"), 1_795_449_880_000)
        for bad in ["", "2026-02-30T00:00:00Z", "2026-11-23 16:04:40Z", "2026-11-23T16:04:40", "2026-11-23T16:04:40.Z",
                    "2026-11-23T25:00:00Z", "2026-11-23T16:04:40+1:00", "0000-00-00T00:00:00Z", "2026-11-23T16:04:40Zjunk",
                    "9999999999-11-23T16:04:40Z", "\u{0}"] {
            XCTAssertNil(Timestamp.parse(bad), bad)
        }
        XCTAssertEqual(Timestamp.string(1_795_449_880_123), "2026-11-23T16:04:40.123Z")
    }

    func testLotteryOrderIsReproducibleFromTheSeed() {
        let seed = "published-seed"
        let ids: [Int64] = Array(1...20)
        let order = ids.sorted { RoundStore.lotteryKey(seed: seed, ideaID: $0) < RoundStore.lotteryKey(seed: seed, ideaID: $1) }
        XCTAssertNotEqual(order, ids)
        XCTAssertEqual(order, ids.reversed().sorted { RoundStore.lotteryKey(seed: seed, ideaID: $0) < RoundStore.lotteryKey(seed: seed, ideaID: $1) })
        XCTAssertEqual(RoundStore.seedHash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
