import Foundation
import JSON
import SQLiteStore
import Storage
import TestSupport
import XCTest
@testable import Groundswell

/// Issue 14: each visible idea's JSON is kept between commits (`IdeaCache`). Every view of an idea
/// — its own page, the `top` list, a search — must still equal a fresh read of the file after each
/// change's answer: a vote, a comment, the author's new name, hiding, a status, an award, a merge.
final class IdeaCacheTests: ServiceTestCase {
    let testClock = TestClock(Timestamp.parse("2026-06-01T12:00:00Z")!)
    override var clock: TestClock? { testClock }
    private let day: Int64 = 86_400_000
    private var admin: String { service.adminToken }

    /// The idea as a read of the file renders it now (nil when hidden or gone).
    private func fresh(_ id: Int) throws -> NSDictionary? {
        try IdeaJSON.fetch(try service.connection(), id: Int64(id)).map {
            try JSONSerialization.jsonObject(with: Data($0)) as! NSDictionary
        }
    }

    private func items(_ path: String) throws -> [NSDictionary] {
        let page = try client.get(path)
        XCTAssertEqual(page.status, 200, page.text)
        return (page.json["items"] as? [[String: Any]] ?? []).map { NSDictionary(dictionary: $0) }
    }

    /// Every idea's page, the top list and a search all show what the file holds.
    private func assertEveryViewIsFresh(_ ids: [Int], _ moment: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let top = try items("/ideas?sort=top&limit=100")
        let found = try items("/ideas?q=garden&limit=100")
        let byVotes = try items("/ideas?q=garden&sort=top&limit=100")
        for id in ids {
            let expected = try fresh(id)
            let page = try client.get("/ideas/\(id)")
            if let expected {
                XCTAssertEqual(page.status, 200, "\(moment): idea \(id)", file: file, line: line)
                XCTAssertEqual(NSDictionary(dictionary: page.json), expected, "\(moment): GET /ideas/\(id)", file: file, line: line)
            } else {
                XCTAssertEqual(page.status, 404, "\(moment): hidden idea \(id)", file: file, line: line)
            }
            let listed = top.first { $0["id"] as? Int == id }
            XCTAssertEqual(listed, expected, "\(moment): idea \(id) in the top list", file: file, line: line)
            for (name, list) in [("a search", found), ("a search by votes", byVotes)] {
                guard let item = list.first(where: { $0["id"] as? Int == id })?.mutableCopy() as? NSMutableDictionary else {
                    XCTAssertNil(expected, "\(moment): idea \(id) missing from \(name)", file: file, line: line)
                    continue
                }
                XCTAssertNotNil(item["highlight"], "\(moment): \(name) highlights", file: file, line: line)
                item.removeObject(forKey: "highlight")
                XCTAssertEqual(item, expected, "\(moment): idea \(id) in \(name)", file: file, line: line)
            }
        }
    }

    func testEveryViewOfAnIdeaFollowsEachChange() throws {
        let author = try signUp("Minji")
        let voters = try (0..<6).map { _ in try signUp().token }
        var ids: [Int] = []
        for n in 0..<5 {
            ids.append(try createIdea(author.token, title: "Garden number \(n)", description: "A community garden, plot \(n).")["id"] as! Int)
        }
        try assertEveryViewIsFresh(ids, "new ideas")
        // Each step is read twice: the first read after a change fills the cache, the second is served from it.
        func step(_ moment: String, _ change: () throws -> Void) throws {
            try change()
            try assertEveryViewIsFresh(ids, moment)
            try assertEveryViewIsFresh(ids, moment + ", read again")
        }
        try step("after a vote") { XCTAssertEqual(try client.post("/ideas/\(ids[2])/votes", token: voters[0]).status, 201) }
        try step("after a retraction") { XCTAssertEqual(try client.request("DELETE", "/ideas/\(ids[2])/votes", token: voters[0]).status, 200) }
        try step("after a comment") {
            XCTAssertEqual(try client.post("/ideas/\(ids[1])/comments", ["body": "Yes please"], token: voters[1]).status, 201)
        }
        try step("after the author's new name") {
            XCTAssertEqual(try client.request("PATCH", "/me", json: ["name": "Minji Kim"], token: author.token).status, 200)
        }
        XCTAssertEqual(try client.get("/ideas/\(ids[0])").json["author"].flatMap { ($0 as? [String: Any])?["name"] as? String }, "Minji Kim")
        try step("after hiding") {
            XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(ids[3])", json: ["hidden": true], token: admin).status, 200)
        }
        try step("after unhiding and a status") {
            XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(ids[3])", json: ["hidden": false], token: admin).status, 200)
            XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(ids[4])", json: ["status": "accepted"], token: admin).status, 200)
        }
        try step("after a merge") {
            XCTAssertEqual(try client.post("/ideas/\(ids[4])/votes", token: voters[2]).status, 201)
            let merged = try client.post("/admin/ideas/\(ids[4])/merge", ["into": ids[0]], token: admin)
            XCTAssertEqual(merged.status, 200, merged.text)
        }
        // Votes from several clients at once, then every view again.
        let pairs = (0..<60).map { (voters[$0 % 6], ids[[0, 1, 2, 3][$0 % 4]]) }
        let statuses = concurrently(pairs) { client, pair in try client.post("/ideas/\(pair.1)/votes", token: pair.0) }
        XCTAssertTrue(statuses.allSatisfy { $0 == 201 || $0 == 409 }, "\(statuses)")
        try assertEveryViewIsFresh(ids, "after concurrent votes")

        // The second reads of each step came from the cache (SQLite; PostgreSQL keeps none).
        let metrics = try client.get("/metrics", token: admin).text
        func value(_ name: String) -> Int? {
            metrics.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Int($0.split(separator: " ")[1]) }
        }
        if TestService.engine == .sqlite {
            XCTAssertGreaterThan(value("groundswell_idea_cache_hits_total") ?? 0, 50, metrics)
            XCTAssertGreaterThan(value("groundswell_idea_cache_misses_total") ?? 0, 0, metrics)
            XCTAssertEqual(value("groundswell_idea_cache_ideas"), 5, "every idea (a merged one stays visible) was read since the last change")
        } else {
            XCTAssertNil(value("groundswell_idea_cache_hits_total"), metrics)
        }
    }

    /// A reader that read an idea before a vote committed and stores it after the writer forgot
    /// the idea (the interleaving a slow reader on another loop meets) must be refused: the writer's
    /// hook labels the change with the commit after the count the reader read.
    func testAStoreReadBeforeAVoteIsRefusedAfterIt() throws {
        guard TestService.engine == .sqlite else { return }
        let context = service.app.context
        let cache = try XCTUnwrap(context.ideaCache)
        let author = try signUp("Jun")
        let id = try createIdea(author.token, title: "Garden race", description: "A garden that races.")["id"] as! Int
        let voter = try signUp().token
        // The reader: the count, then its snapshot.
        let generation = context.database.writer.commitCount
        let before = try XCTUnwrap(try context.read { db in
            try db.queryOne("SELECT \(IdeaJSON.columns) \(IdeaJSON.from) WHERE i.id = ?", [Int64(id)]) { row -> [UInt8] in
                var json = JSONWriter()
                IdeaJSON.writeOpen(row, into: &json)
                return json.bytes
            }
        })
        // A vote commits, and the writer forgets the idea; then the reader's late store.
        XCTAssertEqual(try client.post("/ideas/\(id)/votes", token: voter).status, 201)
        cache.put(Int64(id), before, authorID: Int64(author.id), readAt: generation)
        XCTAssertNil(cache.get(Int64(id)), "a store read before the vote was kept")
        XCTAssertEqual(try client.get("/ideas/\(id)").json["votes"] as? Int, 1)
        // Read after the vote's answer, the same store is kept.
        let after = context.database.writer.commitCount
        cache.put(Int64(id), before, authorID: Int64(author.id), readAt: after)
        XCTAssertEqual(cache.get(Int64(id)), before)
    }

    func testAnAwardShowsOnAnIdeaReadBeforeTheRoundClosed() throws {
        let body: [String: Any] = [
            "name": "Spring grants",
            "submissions_open_at": Timestamp.string(testClock.nowMillis()),
            "submissions_close_at": Timestamp.string(testClock.nowMillis() + day),
            "voting_opens_at": Timestamp.string(testClock.nowMillis() + day),
            "voting_closes_at": Timestamp.string(testClock.nowMillis() + 3 * day),
            "categories": ["community"], "votes_per_user_per_day": 3, "mode": "tiers",
            "tiers": [["name": "5K", "amount": 5000, "winners": 1]],
        ]
        let round = try client.post("/admin/rounds", body, token: admin).json["id"] as! Int
        let author = try signUp().token
        let entry = try client.post("/ideas", ["title": "Garden for the round", "description": "A garden.", "category": "community",
                                               "round_id": round, "tier": "5K"], token: author)
        XCTAssertEqual(entry.status, 201, entry.text)
        let id = entry.json["id"] as! Int
        testClock.advance(millis: day + 1000)
        XCTAssertEqual(try client.post("/ideas/\(id)/votes", token: try signUp().token).status, 201)
        try assertEveryViewIsFresh([id], "before the close")
        XCTAssertTrue(try client.get("/ideas/\(id)").json["award"] is NSNull)
        XCTAssertEqual(try client.post("/admin/rounds/\(round)/close", token: admin).status, 200)
        XCTAssertEqual((try client.get("/ideas/\(id)").json["award"] as? [String: Any])?["amount"] as? Int, 5000)
        try assertEveryViewIsFresh([id], "after the close")
    }
}

/// The cache's rules as plain values: what a store labelled before a change may not put back.
final class IdeaCacheRuleTests: XCTestCase {
    private let json = Array(#"{"id":1"#.utf8)

    func testAStoreReadBeforeAChangeOfTheIdeaIsRefused() {
        let cache = IdeaCache()
        cache.put(1, json, authorID: 7, readAt: 4)
        XCTAssertEqual(cache.get(1), json)
        cache.forget(ideas: [1], changedAt: 5)
        XCTAssertNil(cache.get(1))
        cache.put(1, json, authorID: 7, readAt: 4)
        XCTAssertNil(cache.get(1), "read before commit 5 changed it")
        cache.put(1, json, authorID: 7, readAt: 5)
        XCTAssertEqual(cache.get(1), json, "read after commit 5")
    }

    func testAnAuthorsChangeForgetsTheirIdeasAndRefusesOlderStores() {
        let cache = IdeaCache()
        cache.put(1, json, authorID: 7, readAt: 1)
        cache.put(2, json, authorID: 8, readAt: 1)
        cache.forget(authors: [7], changedAt: 2)
        XCTAssertNil(cache.get(1))
        XCTAssertEqual(cache.get(2), json)
        cache.put(3, json, authorID: 7, readAt: 1)
        XCTAssertNil(cache.get(3), "another idea by the renamed author, read before the rename")
        cache.put(3, json, authorID: 7, readAt: 2)
        XCTAssertEqual(cache.get(3), json)
    }

    func testTombstonesAreBoundedAndSummarisedByAFloor() {
        let cache = IdeaCache(tombstoneLimit: 10)
        for id in 1...11 { cache.forget(ideas: [Int64(id)], changedAt: UInt64(id)) }
        // The tombstones were dropped at commit 11: anything read before it is refused, even idea 100.
        cache.put(100, json, authorID: 1, readAt: 10)
        XCTAssertNil(cache.get(100))
        cache.put(100, json, authorID: 1, readAt: 11)
        XCTAssertEqual(cache.get(100), json)
        cache.forgetAll(changedAt: 12)
        XCTAssertNil(cache.get(100))
        XCTAssertEqual(cache.statistics.ideas, 0)
        cache.put(5, json, authorID: 1, readAt: 11)
        XCTAssertNil(cache.get(5), "read before the award")
    }

    func testTheOldestIdeasMakeRoomWhenFull() {
        let big = [UInt8](repeating: UInt8(ascii: "x"), count: 900)
        let cache = IdeaCache(byteLimit: 16 << 10)
        for id in 1...40 { cache.put(Int64(id), big, authorID: 1, readAt: 0) }
        XCTAssertLessThanOrEqual(cache.statistics.bytes, 16 << 10)
        XCTAssertNil(cache.get(1))
        XCTAssertEqual(cache.get(40), big)
        // Storing an idea again replaces it without counting it twice.
        for _ in 0..<100 { cache.put(40, big, authorID: 1, readAt: 0) }
        XCTAssertLessThanOrEqual(cache.statistics.bytes, 16 << 10)
        XCTAssertEqual(cache.get(40), big)
    }

    func testIdeasReadAgainOutliveIdeasReadOnce() {
        let big = [UInt8](repeating: UInt8(ascii: "x"), count: 900)
        let cache = IdeaCache(byteLimit: 16 << 10)  // about 16 of these
        for id in 1...5 { cache.put(Int64(id), big, authorID: 1, readAt: 0) }
        // Ideas 1–5 are on every list page; a stream of other ideas passes through.
        for id in 100..<400 {
            for listed in 1...5 { XCTAssertEqual(cache.get(Int64(listed)), big, "listed idea \(listed) evicted at \(id)") }
            cache.put(Int64(id), big, authorID: 1, readAt: 0)
        }
        XCTAssertLessThanOrEqual(cache.statistics.bytes, 16 << 10)
        XCTAssertNil(cache.get(100))
        XCTAssertEqual(cache.get(399), big)
    }
}
