import Foundation
import XCTest
@testable import Groundswell

/// Repeated votes refused without the writer (`KnownVotes`, SQLite): only after the writer
/// refused them, and never once the writer would answer otherwise — the vote retracted, the
/// idea hidden, merged or changed in a way only the writer judges.
final class KnownVotesTests: ServiceTestCase {
    /// The table, on SQLite (PostgreSQL keeps none: other nodes change votes too).
    var known: KnownVotes? { service.app.context.knownVotes }

    /// `groundswell_votes_refused_from_memory_total` as /metrics reports it.
    func refusedFromMemory() throws -> Int {
        let metrics = try client.get("/metrics", token: service.adminToken).text
        let line = metrics.split(separator: "\n").first { $0.hasPrefix("groundswell_votes_refused_from_memory_total ") }
        return Int(try XCTUnwrap(line, metrics).split(separator: " ")[1])!
    }

    /// Votes, is refused by the writer, then once more (from the table on SQLite).
    func primeRepeat(idea id: Int, token: String, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try client.post("/ideas/\(id)/votes", token: token).status, 201, file: file, line: line)
        for _ in 0..<2 { assertError(try client.post("/ideas/\(id)/votes", token: token), 409, "already_voted", file: file, line: line) }
    }

    func testARepeatTheWriterRefusedIsRefusedWithoutItUntilTheVoteIsRetracted() throws {
        try XCTSkipIf(known == nil, "PostgreSQL keeps no votes in memory")
        let (user, token) = try signUp()
        let id = try createIdea(token)["id"] as! Int
        XCTAssertEqual(try client.post("/ideas/\(id)/votes", token: token).status, 201)
        XCTAssertFalse(known!.contains(idea: Int64(id), user: Int64(user)), "a counted vote is not remembered")
        assertError(try client.post("/ideas/\(id)/votes", token: token), 409, "already_voted")
        XCTAssertTrue(known!.contains(idea: Int64(id), user: Int64(user)), "the writer's refusal is remembered before it is answered")
        let before = try refusedFromMemory()
        for _ in 0..<5 { assertError(try client.post("/ideas/\(id)/votes", token: token), 409, "already_voted") }
        XCTAssertEqual(try refusedFromMemory(), before + 5, "the repeats did not go through the writer")
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM votes WHERE idea_id = ?", [id]), 1)

        XCTAssertEqual(try client.request("DELETE", "/ideas/\(id)/votes", token: token).status, 200)
        XCTAssertEqual(known!.count, 0, "a deleted vote empties the table")
        let again = try client.post("/ideas/\(id)/votes", token: token)
        XCTAssertEqual(again.status, 201, again.text)
        XCTAssertEqual(again.json["votes"] as? Int, 1)
    }

    func testAHiddenIdeaIsNotFoundAndAMergedOneNamesItsTarget() throws {
        let (_, token) = try signUp()
        let hidden = try createIdea(token, title: "Paper straws")["id"] as! Int
        let merged = try createIdea(token, title: "Paper straws please")["id"] as! Int
        let target = try createIdea(token, title: "Straws made of paper")["id"] as! Int
        for id in [hidden, merged] { try primeRepeat(idea: id, token: token) }
        XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(hidden)", json: ["hidden": true], token: service.adminToken).status, 200)
        assertError(try client.post("/ideas/\(hidden)/votes", token: token), 404, "not_found")
        XCTAssertEqual(try client.post("/admin/ideas/\(merged)/merge", ["into": target], token: service.adminToken).status, 200)
        let refused = try client.post("/ideas/\(merged)/votes", token: token)
        assertError(refused, 409, "idea_merged")
        XCTAssertEqual((refused.json["error"] as? [String: Any])?["merged_into"] as? Int, target)
        // The merge moved the vote: the target refuses it as a repeat, through the writer first.
        assertError(try client.post("/ideas/\(target)/votes", token: token), 409, "already_voted")
    }

    func testAChangeToTheIdeaSendsTheNextRepeatToTheWriterAndOtherIdeasKeepTheirs() throws {
        try XCTSkipIf(known == nil, "PostgreSQL keeps no votes in memory")
        let (user, token) = try signUp()
        let commented = try createIdea(token, title: "Reusable cups")["id"] as! Int
        let other = try createIdea(token, title: "Refill stations")["id"] as! Int
        for id in [commented, other] { try primeRepeat(idea: id, token: token) }
        XCTAssertEqual(known!.count, 2)
        XCTAssertEqual(try client.post("/ideas/\(commented)/comments", ["body": "Yes please"], token: token).status, 201)
        XCTAssertFalse(known!.contains(idea: Int64(commented), user: Int64(user)), "the idea's row changed: forgotten")
        XCTAssertTrue(known!.contains(idea: Int64(other), user: Int64(user)), "another idea's pairs stay")
        let before = try refusedFromMemory()
        assertError(try client.post("/ideas/\(commented)/votes", token: token), 409, "already_voted")
        XCTAssertEqual(try refusedFromMemory(), before, "answered by the writer")
        assertError(try client.post("/ideas/\(commented)/votes", token: token), 409, "already_voted")
        assertError(try client.post("/ideas/\(other)/votes", token: token), 409, "already_voted")
        XCTAssertEqual(try refusedFromMemory(), before + 2)
        // Another customer's counted vote changes the idea's counts only: nothing is forgotten.
        let (_, second) = try signUp("Bo")
        XCTAssertEqual(try client.post("/ideas/\(other)/votes", token: second).status, 201)
        XCTAssertTrue(known!.contains(idea: Int64(other), user: Int64(user)))
    }

    func testARepeatWithAnIdempotencyKeyGetsItsFirstAnswer() throws {
        let (_, token) = try signUp()
        let id = try createIdea(token)["id"] as! Int
        let headers = [("Idempotency-Key", "vote-\(id)")]
        let first = try client.request("POST", "/ideas/\(id)/votes", token: token, headers: headers)
        XCTAssertEqual(first.status, 201)
        for _ in 0..<2 { assertError(try client.post("/ideas/\(id)/votes", token: token), 409, "already_voted") }
        let replay = try client.request("POST", "/ideas/\(id)/votes", token: token, headers: headers)
        XCTAssertEqual(replay.status, 201, "the stored answer, not a refusal from memory")
    }

    func testARefusalReadBeforeSomethingWasForgottenIsNotRemembered() {
        let votes = KnownVotes(capacity: 4)
        var read = votes.generation
        votes.forgetAll()
        votes.remember(idea: 2, user: 1, readAt: read)
        XCTAssertFalse(votes.contains(idea: 2, user: 1), "a vote was deleted after the refusal read the table")
        read = votes.generation
        votes.forget(ideas: [7])
        votes.remember(idea: 2, user: 1, readAt: read)
        XCTAssertFalse(votes.contains(idea: 2, user: 1), "an idea changed after the refusal read the table")
        read = votes.generation
        votes.forget(ideas: [Int64]())
        votes.remember(idea: 2, user: 1, readAt: read)
        XCTAssertTrue(votes.contains(idea: 2, user: 1), "forgetting nothing moves nothing")
        XCTAssertFalse(votes.contains(idea: 1, user: 2))
        for idea in Int64(3)...5 { votes.remember(idea: idea, user: 1, readAt: votes.generation) }
        XCTAssertEqual(votes.count, 4)
        votes.forget(ideas: [3, 4])
        XCTAssertEqual(votes.count, 2)
        XCTAssertFalse(votes.contains(idea: 3, user: 1))
        for idea in Int64(6)...8 { votes.remember(idea: idea, user: 1, readAt: votes.generation) }
        XCTAssertLessThanOrEqual(votes.count, 4, "full: it starts again from empty")
        XCTAssertTrue(votes.contains(idea: 8, user: 1))
    }
}
