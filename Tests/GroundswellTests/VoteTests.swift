import Foundation
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

    func test200ConcurrentVotersGiveAnExactCount() throws {
        let (_, author) = try signUp()
        let id = try createIdea(author)["id"] as! Int
        let tokens = try (0..<200).map { _ in try signUp().token }
        let statuses = concurrently(tokens) { client, token in try client.post("/ideas/\(id)/votes", token: token) }
        XCTAssertEqual(statuses.filter { $0 == 201 }.count, 200)
        XCTAssertEqual(try client.get("/ideas/\(id)").json["votes"] as? Int, 200)
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM votes WHERE idea_id = ?", [id]), 200)
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
