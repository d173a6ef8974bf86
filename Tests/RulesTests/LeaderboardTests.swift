import Rules
import XCTest

/// The in-memory `top` and `trending` orders against the plain definition (sort everything,
/// filter, take a page), over random changes: no database, no server.
final class LeaderboardTests: XCTestCase {
    func testSortedBlocksMatchASortedArrayThroughRandomInsertsAndRemovals() {
        var generator = SystemRandomNumberGenerator()
        for blockSize in [1, 2, 3, 8] {
            var blocks = SortedBlocks<Int>(blockSize: blockSize)
            var model = Set<Int>()
            for _ in 0..<4_000 {
                let key = Int.random(in: 0..<300, using: &generator)
                if Bool.random(using: &generator) {
                    XCTAssertEqual(blocks.insert(key), model.insert(key).inserted)
                } else {
                    XCTAssertEqual(blocks.remove(key), model.remove(key) != nil)
                }
                XCTAssertTrue(blocks.isConsistent)
            }
            XCTAssertEqual(blocks.keys, model.sorted(), "block size \(blockSize)")
            XCTAssertEqual(blocks.count, model.count)
            for start in [nil, -1, 0, 150, 299, 400] as [Int?] {
                var seen: [Int] = []
                blocks.forEach(after: start) { seen.append($0); return true }
                XCTAssertEqual(seen, model.sorted().filter { start == nil || $0 > start! }, "after \(String(describing: start))")
            }
            var firstThree: [Int] = []
            blocks.forEach(after: nil) { firstThree.append($0); return firstThree.count < 3 }
            XCTAssertEqual(firstThree, Array(model.sorted().prefix(3)))
        }
        let built = SortedBlocks(sorted: [1, 4, 9, 16, 25], blockSize: 2)
        XCTAssertEqual(built.keys, [1, 4, 9, 16, 25])
        XCTAssertTrue(built.isConsistent)
        var grown = built
        XCTAssertTrue(grown.insert(30) && grown.insert(0) && grown.remove(25) && grown.remove(16) && grown.insert(12))
        XCTAssertEqual(grown.keys, [0, 1, 4, 9, 12, 30])
        XCTAssertTrue(grown.isConsistent)
    }

    /// The definition: listed ideas matching the filter, most votes (or highest trend) first,
    /// ties newest first, strictly after the position.
    private func expected(_ ideas: [Int64: Leaderboard.Idea], _ order: Leaderboard.Order, after position: Leaderboard.Position?,
                          filter: Leaderboard.Filter, limit: Int) -> [Int64] {
        let matching = ideas.filter { id, idea in
            idea.listed && (filter.status == nil || idea.status == filter.status) && (filter.category == nil || idea.category == filter.category)
                && (filter.ids == nil || filter.ids!.contains(id)) && !(filter.excludeMerged && idea.merged)
        }
        switch order {
        case .top:
            let sorted = matching.sorted { ($0.value.votes, $0.key) > ($1.value.votes, $1.key) }
            let after = sorted.filter { id, idea in
                guard case .top(let votes, let last)? = position else { return true }
                return idea.votes < votes || (idea.votes == votes && id < last)
            }
            return after.prefix(limit).map(\.key)
        case .trending:
            let sorted = matching.sorted { ($0.value.trend, $0.key) > ($1.value.trend, $1.key) }
            let after = sorted.filter { id, idea in
                guard case .trending(let trend, let last)? = position else { return true }
                return idea.trend < trend || (idea.trend == trend && id < last)
            }
            return after.prefix(limit).map(\.key)
        }
    }

    func testPagesMatchTheDefinitionThroughRandomChanges() throws {
        var generator = SystemRandomNumberGenerator()
        let statuses = ["submitted", "under_review", "planned", "launched"]
        let categories = ["coffee", "food", "커피", "store"]
        func randomIdea() -> Leaderboard.Idea {
            Leaderboard.Idea(votes: Int64.random(in: 0..<6, using: &generator), trend: Double(Int.random(in: 0..<6, using: &generator)) * 0.5,
                             status: statuses.randomElement(using: &generator)!, category: categories.randomElement(using: &generator)!,
                             listed: Int.random(in: 0..<5, using: &generator) > 0, merged: Int.random(in: 0..<8, using: &generator) == 0)
        }
        var model: [Int64: Leaderboard.Idea] = [:]
        for id in 1...200 as ClosedRange<Int64> { model[id] = randomIdea() }
        var board = Leaderboard(model.map { (id: $0.key, idea: $0.value) })
        for step in 0..<3_000 {
            let id = Int64.random(in: 1...260, using: &generator)
            switch Int.random(in: 0..<10, using: &generator) {
            case 0: model[id] = nil; board.set(id, nil)
            case 1...3:
                // A vote: one more, a higher trend.
                guard var idea = model[id] else { continue }
                idea.votes += 1
                idea.trend += 0.25
                model[id] = idea
                board.set(id, idea)
            default:
                let idea = randomIdea()
                model[id] = idea
                board.set(id, idea)
            }
            guard step % 50 == 0 else { continue }
            for order in [Leaderboard.Order.top, .trending] {
                let filters = [Leaderboard.Filter(), Leaderboard.Filter(status: "planned"), Leaderboard.Filter(category: "커피", excludeMerged: true),
                               Leaderboard.Filter(status: "launched", category: "food"), Leaderboard.Filter(ids: Set((1...60).map { Int64($0) })),
                               Leaderboard.Filter(category: "no such category"), Leaderboard.Filter(ids: [])]
                for filter in filters {
                    // Page through the whole listing, 7 at a time, as a client with cursors would.
                    var position: Leaderboard.Position?
                    var pages = 0
                    repeat {
                        let page = try XCTUnwrap(board.page(order, after: position, filter: filter, limit: 7))
                        XCTAssertEqual(page.map(\.id), expected(model, order, after: position, filter: filter, limit: 7),
                                       "step \(step), \(order), page \(pages)")
                        position = page.count == 7 ? page.last!.position : nil
                        pages += 1
                    } while position != nil && pages < 100
                }
            }
        }
        for (id, idea) in model { XCTAssertEqual(board.idea(id), idea) }
        XCTAssertEqual(board.count, model.count)
        XCTAssertEqual(board.listedCount, model.values.filter(\.listed).count)
    }

    func testAPositionOfTheOtherOrderFindsNothing() {
        let board = Leaderboard([(id: Int64(1), idea: Leaderboard.Idea(votes: 1, trend: 1, status: "submitted", category: "a", listed: true, merged: false))])
        XCTAssertEqual(board.page(.top, after: .trending(trend: 2, id: 5), filter: .init(), limit: 5)?.count, 0)
        XCTAssertEqual(board.page(.top, after: nil, filter: .init(), limit: 5)?.map(\.id), [1])
        XCTAssertEqual(board.page(.top, after: nil, filter: .init(), limit: 0)?.count, 0)
        XCTAssertEqual(board.page(.top, after: .trending(trend: 2, id: 5), filter: .init(ids: [1]), limit: 5)?.count, 0)
    }

    func testIdsFarApartAreKeptWithoutAHugeArray() throws {
        var board = Leaderboard()
        let idea = Leaderboard.Idea(votes: 3, trend: 1, status: "submitted", category: "a", listed: true, merged: false)
        for id: Int64 in [7, 5_000_000_000, 1, 70_000] { board.set(id, idea) }
        XCTAssertEqual(board.count, 4)
        XCTAssertEqual(try XCTUnwrap(board.page(.top, after: nil, filter: .init(), limit: 10)).map(\.id), [5_000_000_000, 70_000, 7, 1])
        board.set(5_000_000_000, nil)
        board.set(7, nil)
        board.set(12, nil)
        XCTAssertEqual(board.count, 2)
        XCTAssertNil(board.idea(7))
        XCTAssertEqual(board.idea(70_000), idea)
        XCTAssertEqual(try XCTUnwrap(board.page(.trending, after: nil, filter: .init(), limit: 10)).map(\.id), [70_000, 1])
    }

    /// A filter that matches a few of many ideas is not walked to: the page is sorted from a
    /// search's matches, or left to the database (nil) for a rare status or category.
    func testSelectiveFiltersAreSortedOrLeftToTheDatabase() throws {
        let many = 250_000
        var ideas: [(id: Int64, idea: Leaderboard.Idea)] = []
        ideas.reserveCapacity(many)
        for n in 1...many {
            let rare = n % 100_000 == 0
            ideas.append((Int64(n), Leaderboard.Idea(votes: Int64(n % 1_000), trend: Double(n % 777), status: rare ? "launched" : "submitted",
                                                    category: rare ? "rare" : "common", listed: true, merged: false)))
        }
        let board = Leaderboard(ideas)
        XCTAssertNil(board.page(.top, after: nil, filter: .init(category: "rare"), limit: 21), "2 of 250,000: the database's index")
        XCTAssertNil(board.page(.trending, after: nil, filter: .init(status: "launched"), limit: 21))
        XCTAssertEqual(board.page(.top, after: nil, filter: .init(category: "common"), limit: 3)?.map(\.id), [249_999, 248_999, 247_999])
        // A search matching three ideas: sorted, paged after a position, filtered.
        let search: Set<Int64> = [5, 200_000, 1_999]
        XCTAssertEqual(board.page(.top, after: nil, filter: .init(ids: search), limit: 2)?.map(\.id), [1_999, 5])
        XCTAssertEqual(board.page(.top, after: .top(votes: 999, id: 1_999), filter: .init(ids: search), limit: 2)?.map(\.id), [5, 200_000])
        XCTAssertEqual(board.page(.trending, after: nil, filter: .init(status: "launched", ids: search), limit: 5)?.map(\.id), [200_000])
        XCTAssertEqual(board.page(.top, after: nil, filter: .init(ids: [999_999]), limit: 5)?.count, 0, "an id the board does not know")
    }
}
