import Rules
import JSON
import Foundation
import TestSupport
import XCTest
@testable import Groundswell
import SQLiteStore

final class IdeaTests: ServiceTestCase {
    func testCreateAndFetchIdea() throws {
        let (userID, token) = try signUp("Bea")
        let idea = try createIdea(token, title: "  Reusable cups  ", description: "Discount for\nown cups", category: "sustainability")
        XCTAssertEqual(idea["title"] as? String, "Reusable cups")
        XCTAssertEqual(idea["description"] as? String, "Discount for\nown cups")
        XCTAssertEqual(idea["category"] as? String, "sustainability")
        XCTAssertEqual(idea["status"] as? String, "submitted")
        XCTAssertEqual(idea["votes"] as? Int, 0)
        XCTAssertEqual(idea["comments"] as? Int, 0)
        XCTAssertEqual((idea["author"] as? [String: Any])?["id"] as? Int, userID)
        XCTAssertEqual((idea["author"] as? [String: Any])?["name"] as? String, "Bea")
        let createdAt = try XCTUnwrap(idea["created_at"] as? String)
        XCTAssertNotNil(Timestamp.parse(createdAt), createdAt)
        XCTAssertTrue(createdAt.hasSuffix("Z"))

        let id = try XCTUnwrap(idea["id"] as? Int)
        let fetched = try client.get("/ideas/\(id)")
        XCTAssertEqual(fetched.status, 200)
        XCTAssertEqual(fetched.json["title"] as? String, "Reusable cups")
    }

    func testCachedListPagesNeverOutliveAWrite() throws {
        let (_, token) = try signUp()
        let (_, voter) = try signUp()
        let a = try createIdea(token, title: "Idea A")["id"] as! Int
        let b = try createIdea(token, title: "Idea B")["id"] as! Int
        func top() throws -> [[String: Any]] { try client.get("/ideas?sort=top&limit=5").json["items"] as? [[String: Any]] ?? [] }
        XCTAssertEqual(try top().map { $0["id"] as? Int }, [b, a])
        XCTAssertEqual(try top().map { $0["id"] as? Int }, [b, a], "the same page again, from the cache")
        XCTAssertGreaterThan(service.app.context.pageCache.count, 0)
        XCTAssertEqual(try client.post("/ideas/\(a)/votes", token: voter).status, 201)
        let after = try top()
        XCTAssertEqual(after.map { $0["id"] as? Int }, [a, b], "a vote answered means the next list shows it")
        XCTAssertEqual(after.first?["votes"] as? Int, 1)
        XCTAssertEqual(try client.post("/ideas/\(a)/comments", ["body": "yes"], token: voter).status, 201)
        XCTAssertEqual(try top().first?["comments"] as? Int, 1)
        // Different queries are different pages.
        XCTAssertEqual((try client.get("/ideas?sort=new&limit=1").json["items"] as? [Any])?.count, 1)
        XCTAssertEqual((try client.get("/ideas?q=Idea&limit=5").json["items"] as? [Any])?.count, 2)
    }

    func testUnknownIdeasAre404() throws {
        for path in ["/ideas/999", "/ideas/abc", "/ideas/0", "/ideas/-1", "/ideas/99999999999999999999999", "/ideas/1.5"] {
            assertError(try client.get(path), 404, "not_found")
        }
    }

    func testIdeaValidationNamesTheField() throws {
        let (_, token) = try signUp()
        let valid: [String: Any] = ["title": "Good title", "description": "d", "category": "c"]
        let cases: [(String, Any?)] = [
            ("title", "ab"), ("title", String(repeating: "t", count: 141)), ("title", nil), ("title", 42),
            ("description", ""), ("description", String(repeating: "d", count: 10_001)), ("description", nil), ("description", true),
            ("category", ""), ("category", String(repeating: "c", count: 41)), ("category", nil), ("category", ["x"]),
        ]
        for (field, value) in cases {
            var body = valid
            body[field] = value
            assertError(try client.post("/ideas", body, token: token), 400, "invalid_request", mentioning: field)
        }
        // Limits count characters, not bytes.
        var emoji = valid
        emoji["title"] = String(repeating: "é", count: 140)
        XCTAssertEqual(try client.post("/ideas", emoji, token: token).status, 201)
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM ideas"), 1)
    }

    func testListingSortsAndFilters() throws {
        let (_, alice) = try signUp("Alice")
        let (_, bob) = try signUp("Bob")
        let first = try createIdea(alice, title: "First idea", category: "food")["id"] as! Int
        let second = try createIdea(alice, title: "Second idea", category: "drinks")["id"] as! Int
        let third = try createIdea(bob, title: "Third idea", category: "food")["id"] as! Int
        for token in [alice, bob] { XCTAssertEqual(try client.post("/ideas/\(second)/votes", token: token).status, 201) }
        XCTAssertEqual(try client.post("/ideas/\(first)/votes", token: bob).status, 201)

        func ids(_ path: String) throws -> [Int] {
            let response = try client.get(path)
            XCTAssertEqual(response.status, 200, response.text)
            return (response.json["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
        }
        XCTAssertEqual(try ids("/ideas"), [third, second, first])
        XCTAssertEqual(try ids("/ideas?sort=new"), [third, second, first])
        XCTAssertEqual(try ids("/ideas?sort=top"), [second, first, third])
        XCTAssertEqual(try ids("/ideas?category=food"), [third, first])
        XCTAssertEqual(try ids("/ideas?status=submitted&sort=top&category=food"), [first, third])
        XCTAssertEqual(try ids("/ideas?status=launched"), [])
        XCTAssertEqual(try client.get("/ideas").json["next_cursor"] as? NSNull, NSNull())
    }

    func testListingRejectsBadParameters() throws {
        for query in ["limit=0", "limit=101", "limit=abc", "limit=1.5", "limit=-3", "sort=best", "status=unknown",
                      "cursor=%%%", "cursor=bm90LWEtY3Vyc29y", "sort=relevance"] {
            let response = try client.get("/ideas?\(query)")
            assertError(response, 400, "invalid_request")
        }
        let (_, token) = try signUp()
        for _ in 0..<3 { try createIdea(token) }
        let page = try client.get("/ideas?sort=top&limit=1")
        let cursor = try XCTUnwrap(page.json["next_cursor"] as? String)
        assertError(try client.get("/ideas?sort=new&cursor=\(cursor)"), 400, "invalid_request", mentioning: "cursor")
    }

    func testPagingHasNoDuplicatesOrGapsWhileIdeasArrive() throws {
        let (_, token) = try signUp()
        var original: [Int] = []
        for i in 0..<45 { original.append(try createIdea(token, title: "Idea number \(i)")["id"] as! Int) }
        for sort in ["new", "top", "trending"] {
            var seen: [Int] = []
            var cursor: String?
            repeat {
                let path = "/ideas?sort=\(sort)&limit=10" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try client.get(path)
                XCTAssertEqual(page.status, 200, page.text)
                seen += (page.json["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
                cursor = page.json["next_cursor"] as? String
                try createIdea(token, title: "Arrived while paging")  // concurrent insert between pages
            } while cursor != nil
            let originalSeen = seen.filter { original.contains($0) }
            XCTAssertEqual(Set(seen).count, seen.count, "duplicates in \(sort)")
            XCTAssertEqual(Set(originalSeen), Set(original), "gaps in \(sort)")
        }
    }

    func testFullTextSearchRanksByRelevance() throws {
        let (_, token) = try signUp()
        let weak = try createIdea(token, title: "Store layout", description: "More seats and a bicycle rack outside")["id"] as! Int
        let strong = try createIdea(token, title: "Bicycle delivery", description: "Deliver coffee by bicycle in town")["id"] as! Int
        _ = try createIdea(token, title: "Pumpkin spice", description: "All year long")
        let response = try client.get("/ideas?q=bicycle")
        XCTAssertEqual(response.status, 200)
        let ids = (response.json["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
        XCTAssertEqual(ids, [strong, weak])
        // Operators and quotes in user input are plain words, never FTS syntax errors.
        for q in ["\"unbalanced", "AND OR NOT", "bicy*", "title:x", "(", "%22", "NEAR(a b)"] {
            XCTAssertEqual(try client.get("/ideas?q=\(q.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)").status, 200, q)
        }
        XCTAssertEqual(((try client.get("/ideas?q=pumpkin+spice").json["items"]) as? [Any])?.count, 1)
        XCTAssertEqual(((try client.get("/ideas?q=bicycle&sort=new").json["items"]) as? [[String: Any]])?.first?["id"] as? Int, strong)
    }

    func testSearchPagingIsStable() throws {
        let (_, token) = try signUp()
        for i in 0..<25 { try createIdea(token, title: "Lantern idea \(i)", description: String(repeating: "lantern ", count: i % 5 + 1)) }
        var seen: [Int] = []
        var cursor: String?
        repeat {
            let page = try client.get("/ideas?q=lantern&limit=7" + (cursor.map { "&cursor=\($0)" } ?? ""))
            seen += (page.json["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
            cursor = page.json["next_cursor"] as? String
            try createIdea(token, title: "Lantern newcomer")
        } while cursor != nil
        XCTAssertEqual(seen.count, 25)
        XCTAssertEqual(Set(seen).count, 25)
    }
}

final class TrendingTests: ServiceTestCase {
    let testClock = TestClock()
    override var clock: TestClock? { testClock }

    func testRecentVotesOutweighOldOnes() throws {
        let voters = try (0..<3).map { _ in try signUp().token }
        let old = try createIdea(voters[0], title: "Old favourite")["id"] as! Int
        let fresh = try createIdea(voters[0], title: "Fresh idea")["id"] as! Int
        for token in voters { XCTAssertEqual(try client.post("/ideas/\(old)/votes", token: token).status, 201) }
        testClock.advance(millis: 3 * 86_400_000)  // three days: old votes weigh 1/8 each
        for token in voters.prefix(2) { XCTAssertEqual(try client.post("/ideas/\(fresh)/votes", token: token).status, 201) }
        let trending = (try client.get("/ideas?sort=trending").json["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
        let top = (try client.get("/ideas?sort=top").json["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
        XCTAssertEqual(trending, [fresh, old])
        XCTAssertEqual(top, [old, fresh])
        // Retracting recomputes the score from the remaining votes.
        XCTAssertEqual(try client.request("DELETE", "/ideas/\(fresh)/votes", token: voters[0]).status, 200)
        XCTAssertEqual(try client.request("DELETE", "/ideas/\(fresh)/votes", token: voters[1]).status, 200)
        let after = (try client.get("/ideas?sort=trending").json["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
        XCTAssertEqual(after, [old, fresh])
    }

    func testStoredScoreMatchesTheFormulaAfterVotesAndRetracts() throws {
        let voters = try (0..<4).map { _ in try signUp().token }
        let id = try createIdea(voters[0])["id"] as! Int
        var times: [Int64] = []
        for (i, token) in voters.enumerated() {
            times.append(testClock.nowMillis())
            XCTAssertEqual(try client.post("/ideas/\(id)/votes", token: token).status, 201)
            testClock.advance(millis: Int64(i + 1) * 7_200_000)
        }
        let stored = try service.connection().queryOne("SELECT trend FROM ideas WHERE id = ?", [id]) { $0.double(0) }
        XCTAssertEqual(stored ?? 0, Trending.score(times), accuracy: 1e-9)
        XCTAssertEqual(try client.request("DELETE", "/ideas/\(id)/votes", token: voters[1]).status, 200)
        let after = try service.connection().queryOne("SELECT trend FROM ideas WHERE id = ?", [id]) { $0.double(0) }
        XCTAssertEqual(after ?? 0, Trending.score([times[0], times[2], times[3]]), accuracy: 1e-9)
    }

    func testTimestampsFormatAndParseBack() {
        let cases: [(Int64, String)] = [(0, "1970-01-01T00:00:00.000Z"), (1_763_913_880_123, "2025-11-23T16:04:40.123Z"),
                                        (-1, "1969-12-31T23:59:59.999Z"), (951_782_400_000, "2000-02-29T00:00:00.000Z"),
                                        (253_402_300_799_999, "9999-12-31T23:59:59.999Z")]
        for (millis, text) in cases {
            XCTAssertEqual(Timestamp.string(millis), text)
            XCTAssertEqual(Timestamp.parse(text), millis, text)
        }
    }

    func testScoreMath() {
        let now: Int64 = 1_800_000_000_000
        let score = Trending.score([now, now - 86_400_000])
        XCTAssertEqual(Trending.weight(score: score, now: now), 1.5, accuracy: 1e-9)
        XCTAssertEqual(Trending.weight(score: Trending.noVotes, now: now), 0)
    }
}
