import Foundation
import TestSupport
import XCTest
@testable import Groundswell

/// Repeated votes refused from memory (`KnownVotes`): only after the writer refused them, and
/// never once a vote is gone, the idea hidden or merged.
final class KnownVotesTests: ServiceTestCase {
    var known: KnownVotes { service.app.context.knownVotes! }

    func testARepeatTheWriterRefusedIsRefusedFromMemoryUntilTheVoteIsRetracted() throws {
        try XCTSkipIf(TestService.engine == .postgres, "other nodes delete votes too: PostgreSQL keeps no votes in memory")
        let (user, token) = try signUp()
        let id = try createIdea(token)["id"] as! Int
        XCTAssertEqual(try client.post("/ideas/\(id)/votes", token: token).status, 201)
        XCTAssertFalse(known.contains(user: Int64(user), idea: Int64(id)), "a first vote is not remembered")
        assertError(try client.post("/ideas/\(id)/votes", token: token), 409, "already_voted")
        XCTAssertTrue(known.contains(user: Int64(user), idea: Int64(id)), "the writer's refusal is remembered before it is answered")
        let refusals = known.refusals
        for _ in 0..<5 { assertError(try client.post("/ideas/\(id)/votes", token: token), 409, "already_voted") }
        XCTAssertEqual(known.refusals, refusals + 5, "repeats did not go through the writer")
        let metrics = try client.get("/metrics", token: service.adminToken).text
        XCTAssertTrue(metrics.contains("groundswell_votes_refused_from_memory_total \(refusals + 5)"), metrics)
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM votes WHERE idea_id = ?", [id]), 1)

        XCTAssertEqual(try client.request("DELETE", "/ideas/\(id)/votes", token: token).status, 200)
        XCTAssertFalse(known.contains(user: Int64(user), idea: Int64(id)))
        let again = try client.post("/ideas/\(id)/votes", token: token)
        XCTAssertEqual(again.status, 201, again.text)
        XCTAssertEqual(again.json["votes"] as? Int, 1)
    }

    func testAHiddenIdeaIsNotFoundAndAMergedOneNamesItsTarget() throws {
        let (_, token) = try signUp()
        let hidden = try createIdea(token, title: "Paper straws")["id"] as! Int
        let merged = try createIdea(token, title: "Paper straws please")["id"] as! Int
        let target = try createIdea(token, title: "Straws made of paper")["id"] as! Int
        for id in [hidden, merged] {
            XCTAssertEqual(try client.post("/ideas/\(id)/votes", token: token).status, 201)
            assertError(try client.post("/ideas/\(id)/votes", token: token), 409, "already_voted")
        }
        XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(hidden)", json: ["hidden": true], token: service.adminToken).status, 200)
        assertError(try client.post("/ideas/\(hidden)/votes", token: token), 404, "not_found")
        XCTAssertEqual(try client.post("/admin/ideas/\(merged)/merge", ["into": target], token: service.adminToken).status, 200)
        let refused = try client.post("/ideas/\(merged)/votes", token: token)
        assertError(refused, 409, "idea_merged")
        XCTAssertEqual((refused.json["error"] as? [String: Any])?["merged_into"] as? Int, target)
    }

    func testARepeatWithAnIdempotencyKeyGetsItsFirstAnswer() throws {
        let (_, token) = try signUp()
        let id = try createIdea(token)["id"] as! Int
        let headers = [("Idempotency-Key", "vote-\(id)")]
        let first = try client.request("POST", "/ideas/\(id)/votes", token: token, headers: headers)
        XCTAssertEqual(first.status, 201)
        assertError(try client.post("/ideas/\(id)/votes", token: token), 409, "already_voted")
        let replay = try client.request("POST", "/ideas/\(id)/votes", token: token, headers: headers)
        XCTAssertEqual(replay.status, 201, "the stored answer, not a refusal from memory")
    }

    func testARefusalReadBeforeVotesWereDeletedIsNotRemembered() {
        let votes = KnownVotes(capacity: 4)
        let before = votes.generation
        votes.clear()
        votes.remember(user: 1, idea: 2, generation: before)
        XCTAssertFalse(votes.contains(user: 1, idea: 2))
        votes.remember(user: 1, idea: 2, generation: votes.generation)
        XCTAssertTrue(votes.contains(user: 1, idea: 2))
        XCTAssertFalse(votes.contains(user: 2, idea: 1))
        for idea in Int64(3)...6 { votes.remember(user: 1, idea: idea, generation: votes.generation) }
        XCTAssertLessThanOrEqual(votes.count, 4, "full: it starts again from empty")
        XCTAssertTrue(votes.contains(user: 1, idea: 6))
    }
}
