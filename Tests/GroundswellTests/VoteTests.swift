import Foundation
import Rules
import TestSupport
import XCTest
@testable import Groundswell

final class VoteTests: ServiceTestCase {
    func testVoteRetractAndErrors() throws {
        let (_, token) = try signUp()
        let id = try createIdea(token)["id"] as! Int
        let vote = try client.post("/ideas/\(id)/votes", token: token)
        XCTAssertEqual(vote.status, 201)
        XCTAssertEqual(vote.json["idea_id"] as? Int, id)
        XCTAssertEqual(vote.json["votes"] as? Int, 1)
        assertError(try client.post("/ideas/\(id)/votes", token: token), 409, "already_voted")
        XCTAssertEqual(try client.get("/ideas/\(id)").json["votes"] as? Int, 1)

        let retract = try client.request("DELETE", "/ideas/\(id)/votes", token: token)
        XCTAssertEqual(retract.status, 200)
        XCTAssertEqual(retract.json["votes"] as? Int, 0)
        assertError(try client.request("DELETE", "/ideas/\(id)/votes", token: token), 404, "vote_not_found")
        XCTAssertEqual(try client.post("/ideas/\(id)/votes", token: token).json["votes"] as? Int, 1)

        assertError(try client.post("/ideas/9999/votes", token: token), 404, "not_found")
        assertError(try client.request("DELETE", "/ideas/9999/votes", token: token), 404, "not_found")
        assertError(try client.request("PUT", "/ideas/\(id)/votes", token: token), 405, "method_not_allowed")
    }

    /// A vote's trending score is one log-sum-exp step on the idea's old one (`VoteLedger`): it must
    /// be the score of the idea's vote times as `Trending.score` gives it, vote after vote, and a vote
    /// for a hidden idea or a repeat must leave the idea as it was.
    func testTrendingScoresFollowTheVoteTimes() throws {
        let voters = try (0..<9).map { _ in try signUp().token }
        let ideas = try (0..<3).map { n in try createIdea(voters[n], title: "Tram stop \(n)")["id"] as! Int }
        for (n, voter) in voters.enumerated() {
            for idea in ideas.prefix(1 + n % 3) { XCTAssertEqual(try client.post("/ideas/\(idea)/votes", token: voter).status, 201) }
            assertError(try client.post("/ideas/\(ideas[0])/votes", token: voter), 409, "already_voted")
        }
        let db = try service.connection()
        for idea in ideas {
            let times = try db.query("SELECT created_at FROM votes WHERE idea_id = ? ORDER BY id", [Int64(idea)]) { $0.int64(0) }
            let stored = try db.queryOne("SELECT trend, vote_count FROM ideas WHERE id = ?", [Int64(idea)]) { ($0.double(0), $0.int64(1)) }
            XCTAssertEqual(stored?.1, Int64(times.count))
            XCTAssertEqual(stored?.0 ?? 0, Trending.score(times), accuracy: 1e-9, "idea \(idea)")
        }
        let admin = service.adminToken
        XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(ideas[2])", json: ["hidden": true], token: admin).status, 200)
        let before = try db.queryOne("SELECT trend, vote_count FROM ideas WHERE id = ?", [Int64(ideas[2])]) { ($0.double(0), $0.int64(1)) }
        assertError(try client.post("/ideas/\(ideas[2])/votes", token: try signUp().token), 404, "not_found")
        let after = try db.queryOne("SELECT trend, vote_count FROM ideas WHERE id = ?", [Int64(ideas[2])]) { ($0.double(0), $0.int64(1)) }
        XCTAssertEqual(after?.0, before?.0)
        XCTAssertEqual(after?.1, before?.1)
    }

    func test200ConcurrentVotersGiveAnExactCount() throws {
        let (_, author) = try signUp()
        let id = try createIdea(author)["id"] as! Int
        let tokens = try (0..<200).map { _ in try signUp().token }
        let statuses = concurrently(tokens) { client, token in try client.post("/ideas/\(id)/votes", token: token) }
        XCTAssertEqual(statuses.filter { $0 == 201 }.count, 200)
        XCTAssertEqual(try client.get("/ideas/\(id)").json["votes"] as? Int, 200)
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM votes WHERE idea_id = ?", [id]), 200)
    }

    /// Issue 14: on large files (here: any file) each vote's pages are read ahead of the writer on
    /// threads of their own. Nothing of a vote depends on it: counts stay exact, repeats are refused,
    /// and the server closes with the threads. Small files do not start them.
    func testVotesWithTheirPagesReadAheadCountExactly() throws {
        func metric(_ name: String) throws -> Int? {
            let text = try client.get("/metrics", token: service.adminToken).text
            return text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Int($0.split(separator: " ")[1]) }
        }
        XCTAssertNil(try metric("groundswell_vote_prefetch_reads_total"), "a small file reads nothing ahead")
        service.votePrefetchMinimumBytes = 0
        try service.restart()
        client = service.client()
        let (_, author) = try signUp()
        let ids = try (0..<5).map { _ in try createIdea(author)["id"] as! Int }
        let tokens = try (0..<40).map { _ in try signUp().token }
        let pairs = tokens.flatMap { token in ids.map { (token, $0) } } + tokens.prefix(10).map { ($0, ids[0]) }
        let statuses = concurrently(pairs) { client, pair in try client.post("/ideas/\(pair.1)/votes", token: pair.0) }
        guard TestService.engine == .sqlite else {
            XCTAssertNil(try metric("groundswell_vote_prefetch_reads_total"), "PostgreSQL reads nothing ahead")
            return
        }
        XCTAssertEqual(statuses.filter { $0 == 201 }.count, 200)
        XCTAssertEqual(statuses.filter { $0 == 409 }.count, 10)
        for id in ids { XCTAssertEqual(try client.get("/ideas/\(id)").json["votes"] as? Int, 40) }
        XCTAssertGreaterThan(try metric("groundswell_vote_prefetch_reads_total") ?? 0, 0, "the first votes' pages were read ahead")
        XCTAssertNotNil(try metric("groundswell_vote_prefetch_dropped_total"))
        try service.restart()   // the threads stop with the server
        client = service.client()
        XCTAssertEqual(try client.get("/ideas/\(ids[0])").json["votes"] as? Int, 40)
    }

    func testSamePersonVotingConcurrentlyCountsOnce() throws {
        let (_, token) = try signUp()
        let id = try createIdea(token)["id"] as! Int
        let statuses = concurrently(Array(0..<30)) { client, _ in try client.post("/ideas/\(id)/votes", token: token) }
        XCTAssertEqual(statuses.filter { $0 == 201 }.count, 1)
        XCTAssertEqual(statuses.filter { $0 == 409 }.count, 29)
        XCTAssertEqual(try service.scalar("SELECT vote_count FROM ideas WHERE id = ?", [id]), 1)
    }
}

final class ConcurrentResults: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var statuses: [Int] = []
    func add(_ status: Int) { lock.lock(); statuses.append(status); lock.unlock() }
}
