import JSON
import Rules
import XCTest

/// The award rules, trending and local days as plain values: no database, no server.
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

    func testTrendingHalvesADayOldVote() {
        let now: Int64 = 1_800_000_000_000
        let fresh = Trending.score([now])
        let dayOld = Trending.score([now - 86_400_000])
        XCTAssertEqual(Trending.weight(score: fresh, now: now), 1, accuracy: 1e-9)
        XCTAssertEqual(Trending.weight(score: dayOld, now: now), 0.5, accuracy: 1e-9)
        XCTAssertEqual(Trending.weight(score: Trending.score([now, now - 86_400_000]), now: now), 1.5, accuracy: 1e-9)
        XCTAssertEqual(Trending.weight(score: Trending.noVotes, now: now), 0)
    }

    func testLifecycleAndRoundState() {
        XCTAssertTrue(IdeaLifecycle.allows(from: "submitted", to: "under_review"))
        XCTAssertFalse(IdeaLifecycle.allows(from: "launched", to: "submitted"))
        XCTAssertFalse(IdeaLifecycle.allows(from: "submitted", to: "duplicate"))
        let state = { (now: Int64, closed: Int64?) in
            RoundState.at(now, submissionsOpenAt: 10, submissionsCloseAt: 20, votingOpensAt: 20, votingClosesAt: 30, closedAt: closed)
        }
        XCTAssertEqual([5, 10, 19, 20, 29, 30].map { state($0, nil) }, [.upcoming, .submissions, .submissions, .voting, .voting, .closed])
        XCTAssertEqual(state(15, 14), .closed, "an early close by staff")
    }
}
