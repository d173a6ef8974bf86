import Foundation
import SQLiteStore
import TestSupport
import XCTest

/// Issue 14: on SQLite the `top` and `trending` orders are kept in memory (`IdeaRanking`), not
/// by indexes. Every listing must still equal the table's own order right after each answer —
/// through votes (concurrent ones too), retractions, hiding, status and category changes — and a
/// restart must rebuild the same order from the file. On PostgreSQL the same test checks its
/// indexes' order.
final class RankingOrderTests: ServiceTestCase {
    private var admin: String { service.adminToken }

    /// The order by the table, as the definition (docs/api.md): most votes (highest trending
    /// score) first, newest first among equals, visible ideas only.
    private func expected(_ sort: String, status: String? = nil, category: String? = nil) throws -> [Int] {
        var conditions = ["hidden = 0"]
        var values: [SQLiteBindable] = []
        if let status { conditions.append("status = ?"); values.append(status) }
        if let category { conditions.append("category = ?"); values.append(category) }
        let order = sort == "top" ? "vote_count DESC, id DESC" : "trend DESC, id DESC"
        return try service.connection().query("SELECT id FROM ideas WHERE \(conditions.joined(separator: " AND ")) ORDER BY \(order)",
                                               values) { Int($0.int64(0)) }
    }

    /// Every page of a listing, followed by its cursors, `limit` at a time.
    private func listed(_ query: String, limit: Int = 7) throws -> [Int] {
        var seen: [Int] = []
        var cursor: String?
        repeat {
            let path = "/ideas?\(query)&limit=\(limit)" + (cursor.map { "&cursor=\($0)" } ?? "")
            let page = try client.get(path)
            XCTAssertEqual(page.status, 200, page.text)
            seen += (page.json["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
            cursor = page.json["next_cursor"] as? String
        } while cursor != nil && seen.count < 500
        return seen
    }

    private func assertListingsMatchTheTable(_ moment: String, file: StaticString = #filePath, line: UInt = #line) throws {
        for sort in ["top", "trending"] {
            XCTAssertEqual(try listed("sort=\(sort)"), try expected(sort), "\(sort) \(moment)", file: file, line: line)
            XCTAssertEqual(try listed("sort=\(sort)&category=food", limit: 3), try expected(sort, category: "food"),
                           "\(sort), food, \(moment)", file: file, line: line)
            XCTAssertEqual(try listed("sort=\(sort)&status=accepted&category=drinks", limit: 2),
                           try expected(sort, status: "accepted", category: "drinks"), "\(sort), accepted drinks, \(moment)",
                           file: file, line: line)
        }
    }

    func testListingsFollowEveryChangeAndARestartRebuildsTheSameOrder() throws {
        var random = SeededRandom(seed: 14)
        let voters = try (0..<12).map { _ in try signUp().token }
        var ideas: [Int] = []
        for n in 0..<24 {
            ideas.append(try createIdea(voters[n % voters.count], title: "Idea number \(n)", category: ["drinks", "food", "store"][n % 3])["id"] as! Int)
        }
        try assertListingsMatchTheTable("with no votes (all tied)")

        // Votes from several clients at once: each listing read after the answers has them all.
        let pairs = (0..<90).map { _ in (voters[Int(random.next() % 12)], ideas[Int(random.next() % 24)]) }
        let statuses = concurrently(pairs) { client, pair in try client.post("/ideas/\(pair.1)/votes", token: pair.0) }
        XCTAssertTrue(statuses.allSatisfy { $0 == 201 || $0 == 409 }, "\(statuses)")
        try assertListingsMatchTheTable("after concurrent votes")

        // Retractions, hiding, status changes.
        for pair in pairs.prefix(10) { _ = try client.request("DELETE", "/ideas/\(pair.1)/votes", token: pair.0) }
        XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(ideas[3])", json: ["hidden": true], token: admin).status, 200)
        for id in ideas.prefix(12) where id % 2 == 0 {
            XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(id)", json: ["status": "accepted"], token: admin).status, 200)
        }
        try assertListingsMatchTheTable("after retractions, hiding and status changes")
        XCTAssertFalse(try listed("sort=top").contains(ideas[3]), "a hidden idea is not listed")

        // A new idea, unhiding, more votes.
        ideas.append(try createIdea(voters[0], title: "Late idea", category: "food")["id"] as! Int)
        XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(ideas[3])", json: ["hidden": false], token: admin).status, 200)
        for voter in voters.prefix(5) { XCTAssertEqual(try client.post("/ideas/\(ideas.last!)/votes", token: voter).status, 201) }
        try assertListingsMatchTheTable("after a new idea and unhiding")
        XCTAssertEqual(try listed("sort=top").first, ideas.last!)

        let before = (try listed("sort=top"), try listed("sort=trending"), try listed("sort=trending&category=food", limit: 2))
        try service.restart()
        client = service.client()
        let after = (try listed("sort=top"), try listed("sort=trending"), try listed("sort=trending&category=food", limit: 2))
        XCTAssertEqual(after.0, before.0, "a restart rebuilds the same top order")
        XCTAssertEqual(after.1, before.1, "and the same trending order")
        XCTAssertEqual(after.2, before.2)
        try assertListingsMatchTheTable("after a restart")
        assertCountsMatchRows(service)
    }

    func testACursorFromEitherOrderIsCheckedAndSearchFiltersTheOrder() throws {
        let (_, token) = try signUp()
        let a = try createIdea(token, title: "Lantern by the door")["id"] as! Int
        let b = try createIdea(token, title: "Lantern in the garden")["id"] as! Int
        _ = try createIdea(token, title: "Bench by the lake")
        let voter = try signUp().token
        XCTAssertEqual(try client.post("/ideas/\(a)/votes", token: voter).status, 201)
        XCTAssertEqual(try listed("sort=top&q=lantern", limit: 1), [a, b])
        XCTAssertEqual(try listed("sort=trending&q=lantern", limit: 1), [a, b])
        // The search's matches are kept between requests; a new match, votes and hiding still show.
        let c = try createIdea(token, title: "Lantern on the pier")["id"] as! Int
        XCTAssertEqual(try listed("sort=top&q=lantern", limit: 2), [a, c, b])
        XCTAssertEqual(try client.post("/ideas/\(b)/votes", token: voter).status, 201)
        XCTAssertEqual(try client.post("/ideas/\(b)/votes", token: token).status, 201)
        XCTAssertEqual(try listed("sort=top&q=lantern", limit: 2), [b, a, c])
        XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(a)", json: ["hidden": true], token: admin).status, 200)
        XCTAssertEqual(try listed("sort=top&q=lantern"), [b, c])
        let topCursor = try client.get("/ideas?sort=top&limit=1").json["next_cursor"] as! String
        assertError(try client.get("/ideas?sort=trending&cursor=\(topCursor)"), 400, "invalid_request")
        XCTAssertEqual((try client.get("/ideas?sort=top&category=nothing-here").json["items"] as? [[String: Any]])?.count, 0)
    }
}

