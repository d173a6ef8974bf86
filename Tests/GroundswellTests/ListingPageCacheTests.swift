import Foundation
import Rules
import TestSupport
import XCTest
@testable import Groundswell

/// List pages outlive commits that cannot have changed them (`ListingChanges`, `PageCache`).
/// A page served from the cache must be byte for byte the page a fresh read gives at that
/// moment: the same listing under a target never asked before (an unused parameter) is always
/// read afresh. Random votes, retractions, edits, hiding, new ideas and comments, then every
/// listing compared.
final class ListingPageCacheTests: ServiceTestCase {
    private var admin: String { service.adminToken }

    private static let listings = [
        "sort=top&limit=5", "sort=trending&limit=5", "sort=top&limit=30", "sort=new&limit=5", "limit=4",
        "sort=top&limit=3&category=food", "sort=top&limit=5&status=accepted", "q=lantern&limit=3", "q=garden&limit=20",
        "sort=top&q=lantern&limit=2", "sort=trending&q=garden&limit=3",
    ]

    private func assertCachedPagesAreFresh(_ moment: String, step: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        for (n, query) in Self.listings.enumerated() {
            let cached = try client.get("/ideas?\(query)")
            let fresh = try client.get("/ideas?\(query)&fresh=\(step)-\(n)")
            XCTAssertEqual(cached.status, 200, cached.text, file: file, line: line)
            XCTAssertEqual(cached.text, fresh.text, "\(query) \(moment)", file: file, line: line)
            // Page two of a ranked order, followed by its cursor, is never kept past a commit.
            if let cursor = cached.json["next_cursor"] as? String, query.hasPrefix("sort=top") {
                let next = try client.get("/ideas?\(query)&cursor=\(cursor)")
                let again = try client.get("/ideas?\(query)&cursor=\(cursor)&fresh=\(step)-\(n)")
                XCTAssertEqual(next.text, again.text, "\(query) page 2 \(moment)", file: file, line: line)
            }
        }
    }

    func testCachedListingsEqualFreshOnesThroughRandomChanges() throws {
        var random = SeededRandom(seed: 25)
        let voters = try (0..<8).map { _ in try signUp().token }
        let words = ["Lantern", "Garden", "Bench", "Mural"]
        var ideas: [Int] = []
        for n in 0..<36 {
            ideas.append(try createIdea(voters[n % voters.count], title: "\(words[n % 4]) idea \(n)",
                                        category: ["drinks", "food", "store"][n % 3])["id"] as! Int)
        }
        try assertCachedPagesAreFresh("before any vote", step: 0)
        var votes: [(String, Int)] = []
        for step in 1...160 {
            let roll = random.next() % 100
            let idea = ideas[Int(random.next() % UInt64(ideas.count))]
            let voter = voters[Int(random.next() % UInt64(voters.count))]
            let moment: String
            switch roll {
            case 0..<70:
                let status = try client.post("/ideas/\(idea)/votes", token: voter).status
                XCTAssertTrue([201, 404, 409].contains(status), "\(status)")  // 404: hidden
                if status == 201 { votes.append((voter, idea)) }
                moment = "after a vote for \(idea)"
            case 70..<80 where !votes.isEmpty:
                let (who, which) = votes.remove(at: Int(random.next() % UInt64(votes.count)))
                XCTAssertTrue([200, 404].contains(try client.request("DELETE", "/ideas/\(which)/votes", token: who).status))
                moment = "after a retraction from \(which)"
            case 80..<85:
                XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(idea)", json: ["hidden": random.next() % 3 == 0],
                                                  token: admin).status, 200)
                moment = "after hiding or showing \(idea)"
            case 85..<90:
                // 409: already accepted (a status moves forward only).
                XCTAssertTrue([200, 409].contains(try client.request("PATCH", "/admin/ideas/\(idea)", json: ["status": "accepted"],
                                                                      token: admin).status))
                moment = "after accepting \(idea)"
            case 90..<94:
                ideas.append(try createIdea(voter, title: "Lantern garden \(step)", category: "food")["id"] as! Int)
                moment = "after a new idea"
            case 94..<97:
                XCTAssertTrue([201, 404].contains(try client.post("/ideas/\(idea)/comments", ["body": "Yes, please \(step)"], token: voter).status))
                moment = "after a comment on \(idea)"
            default:
                XCTAssertEqual(try client.request("PATCH", "/me", json: ["name": "Renamed \(step)"], token: voter).status, 200)
                moment = "after an author's new name"
            }
            try assertCachedPagesAreFresh(moment, step: step)
        }
    }

    /// An idea the page does not show, changed in any way but a vote, may enter it: showing a hidden
    /// idea enters the newest-first page, accepting one enters the accepted ideas' page.
    func testChangesOtherThanVotesToIdeasOffThePageRetireIt() throws {
        let author = try signUp().token
        let ideas = try (0..<6).map { n in try createIdea(author, title: "Mural \(n)")["id"] as! Int }
        func ids(_ query: String) throws -> [Int] {
            let page = try client.get("/ideas?\(query)")
            XCTAssertEqual(page.text, try client.get("/ideas?\(query)&fresh=\(UUID().uuidString)").text, query)
            return (page.json["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
        }
        XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(ideas[5])", json: ["hidden": true], token: admin).status, 200)
        XCTAssertEqual(try ids("sort=new&limit=3"), [ideas[4], ideas[3], ideas[2]])
        XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(ideas[5])", json: ["hidden": false], token: admin).status, 200)
        XCTAssertEqual(try ids("sort=new&limit=3"), [ideas[5], ideas[4], ideas[3]])

        XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(ideas[0])", json: ["status": "accepted"], token: admin).status, 200)
        XCTAssertEqual(try ids("sort=new&limit=3&status=accepted"), [ideas[0]])
        XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(ideas[4])", json: ["status": "accepted"], token: admin).status, 200)
        XCTAssertEqual(try ids("sort=new&limit=3&status=accepted"), [ideas[4], ideas[0]])
        // And a vote between two reads of a page that does not show its idea leaves it as it was.
        XCTAssertEqual(try client.post("/ideas/\(ideas[1])/votes", token: author).status, 201)
        XCTAssertEqual(try ids("sort=new&limit=3&status=accepted"), [ideas[4], ideas[0]])
    }

    /// Many votes between two reads of a page: the log is walked across all of them.
    func testAPageIsCheckedAcrossManyCommits() throws {
        let voters = try (0..<6).map { _ in try signUp().token }
        var ideas: [Int] = []
        for n in 0..<12 { ideas.append(try createIdea(voters[n % 6], title: "Bench \(n)")["id"] as! Int) }
        for voter in voters { XCTAssertEqual(try client.post("/ideas/\(ideas[0])/votes", token: voter).status, 201) }
        let first = try client.get("/ideas?sort=top&limit=3").text
        // Votes for ideas far below the page: it stays (and must equal a fresh read).
        for voter in voters.prefix(2) { XCTAssertEqual(try client.post("/ideas/\(ideas[11])/votes", token: voter).status, 201) }
        XCTAssertEqual(try client.get("/ideas?sort=top&limit=3").text, try client.get("/ideas?sort=top&limit=3&x=1").text)
        // Enough votes to enter it: the page changes.
        for voter in voters.prefix(4) { XCTAssertEqual(try client.post("/ideas/\(ideas[5])/votes", token: voter).status, 201) }
        let after = try client.get("/ideas?sort=top&limit=3")
        XCTAssertNotEqual(after.text, first)
        XCTAssertEqual((after.json["items"] as? [[String: Any]])?.compactMap { $0["id"] as? Int }.prefix(2), [ideas[0], ideas[5]])
    }
}

/// The log and page shapes as plain values.
final class ListingChangesTests: XCTestCase {
    private func move(_ id: Int64, _ old: Int64, _ new: Int64) -> ListingChanges.Move {
        ListingChanges.Move(id: id, oldVotes: old, oldTrend: Double(old), votes: new, trend: Double(new))
    }

    func testShapes() {
        let ranked = ListingChanges.Shape(ids: [7, 3, 5, 3], bound: .top(Leaderboard.TopKey(votes: 10, id: 5)))
        XCTAssertEqual(ranked.ids, [3, 5, 7])
        XCTAssertFalse(ranked.unchanged(by: move(3, 12, 13)), "an idea on the page")
        XCTAssertTrue(ranked.unchanged(by: move(9, 2, 3)), "far below")
        XCTAssertTrue(ranked.unchanged(by: move(4, 9, 10)), "ties the last item with a lower id: still after it")
        XCTAssertFalse(ranked.unchanged(by: move(6, 9, 10)), "ties it with a higher id: before it")
        XCTAssertFalse(ranked.unchanged(by: move(4, 11, 10)), "was above the last item (a retraction)")
        let trending = ListingChanges.Shape(ids: [1], bound: .trending(Leaderboard.TrendKey(trend: 4.5, id: 1)))
        XCTAssertTrue(trending.unchanged(by: move(2, 3, 4)))
        XCTAssertFalse(trending.unchanged(by: move(2, 4, 5)))
        let unranked = ListingChanges.Shape(ids: [1, 2], bound: nil)
        XCTAssertTrue(unranked.unchanged(by: move(3, 0, 100)))
        XCTAssertFalse(unranked.unchanged(by: move(2, 0, 1)))
        XCTAssertTrue(ListingChanges.Shape(ids: [], bound: nil).unchanged(by: move(1, 0, 1)))
    }

    /// The log as ranked pages read it (record by record, within its capacity).
    func testLog() {
        let log = ListingChanges(capacity: 4)
        let shape = ListingChanges.Shape(ids: [1], bound: .top(Leaderboard.TopKey(votes: 100, id: 1)))
        log.votes([move(2, 0, 1)], commit: 1)
        XCTAssertTrue(log.unchanged(shape, from: 0, to: 1))
        XCTAssertTrue(log.unchanged(shape, from: 0, to: 5), "commits without a record changed no idea")
        XCTAssertFalse(log.unchanged(shape, from: 3, to: 2), "never backwards")
        log.votes([move(1, 0, 1)], commit: 3)
        XCTAssertFalse(log.unchanged(shape, from: 0, to: 3))
        XCTAssertTrue(log.unchanged(shape, from: 0, to: 2), "a record after `to` does not count")
        XCTAssertTrue(log.unchanged(shape, from: 3, to: 9))
        log.structural(commit: 4)
        XCTAssertFalse(log.unchanged(shape, from: 3, to: 4))
        XCTAssertTrue(log.unchanged(shape, from: 4, to: 4))
        // Past the capacity the oldest records are dropped: pages older than them cannot be checked.
        for commit in UInt64(5)...9 { log.votes([move(8, 0, 1)], commit: commit) }
        XCTAssertFalse(log.unchanged(shape, from: 4, to: 9))
        XCTAssertTrue(log.unchanged(shape, from: 6, to: 9))
        // The moves held count too: one record of four moves fills this log by itself.
        log.votes((10...13).map { move($0, 0, 1) }, commit: 10)
        XCTAssertTrue(log.unchanged(shape, from: 9, to: 10), "its own moves leave the page")
        XCTAssertFalse(log.unchanged(shape, from: 8, to: 10), "the records before it are gone")
        // A commit of very many votes is logged as a change to everything.
        let big = ListingChanges()
        big.votes((100..<(100 + Int64(ListingChanges.mostMoves) + 1)).map { move($0, 0, 1) }, commit: 1)
        XCTAssertFalse(big.unchanged(shape, from: 0, to: 1))
        big.votes((100..<(100 + Int64(ListingChanges.mostMoves))).map { move($0, 0, 1) }, commit: 2)
        XCTAssertTrue(big.unchanged(shape, from: 1, to: 2))
    }

    /// Pages in no vote order (an idea's page, relevance, newest) are checked against the newest
    /// structural commit and the newest vote for each of their ideas, kept past the log's
    /// capacity; anything newer than the page counts, even past `to` (only a new page follows).
    func testLogForPagesInNoVoteOrder() {
        let log = ListingChanges(capacity: 4)
        let page = ListingChanges.Shape(ids: [1, 7], bound: nil)
        log.votes([move(2, 0, 1)], commit: 1)
        XCTAssertTrue(log.unchanged(page, from: 0, to: 1))
        XCTAssertTrue(log.unchanged(page, from: 0, to: 5), "commits without a record changed no idea")
        XCTAssertFalse(log.unchanged(page, from: 3, to: 2), "never backwards")
        for commit in UInt64(2)...20 { log.votes([move(Int64(commit) + 100, 0, 1)], commit: commit) }
        XCTAssertTrue(log.unchanged(page, from: 0, to: 20), "however many votes for other ideas, past the capacity")
        log.votes([move(7, 0, 1)], commit: 21)
        XCTAssertFalse(log.unchanged(page, from: 20, to: 21), "a vote for one of its ideas")
        XCTAssertFalse(log.unchanged(page, from: 0, to: 20), "newer than `to`: a new page, never an old one")
        XCTAssertTrue(log.unchanged(page, from: 21, to: 30))
        log.votes([move(7 + Int64(ListingChanges.buckets), 0, 1)], commit: 31)
        XCTAssertFalse(log.unchanged(page, from: 30, to: 31), "an idea in the same bucket retires it too")
        log.structural(commit: 40)
        XCTAssertFalse(log.unchanged(page, from: 31, to: 40))
        XCTAssertTrue(log.unchanged(page, from: 40, to: 50))
        XCTAssertTrue(log.unchanged(ListingChanges.Shape(ids: [], bound: nil), from: 40, to: 41))
    }
}
