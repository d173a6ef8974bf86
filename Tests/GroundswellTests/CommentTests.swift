import Foundation
import TestSupport
import XCTest
@testable import Groundswell

final class CommentTests: ServiceTestCase {
    func testCommentsAreCreatedAndListedOldestFirst() throws {
        let (userID, token) = try signUp("Cara")
        let id = try createIdea(token)["id"] as! Int
        var created: [Int] = []
        for i in 0..<25 {
            let response = try client.post("/ideas/\(id)/comments", ["body": "Comment \(i)\nsecond line"], token: token)
            XCTAssertEqual(response.status, 201, response.text)
            XCTAssertEqual(response.json["idea_id"] as? Int, id)
            XCTAssertEqual(response.json["body"] as? String, "Comment \(i)\nsecond line")
            XCTAssertEqual((response.json["author"] as? [String: Any])?["id"] as? Int, userID)
            XCTAssertEqual((response.json["author"] as? [String: Any])?["name"] as? String, "Cara")
            XCTAssertNotNil(response.json["created_at"] as? String)
            created.append(response.json["id"] as! Int)
        }
        XCTAssertEqual(try client.get("/ideas/\(id)").json["comments"] as? Int, 25)
        var seen: [Int] = []
        var cursor: String?
        repeat {
            let page = try client.get("/ideas/\(id)/comments?limit=10" + (cursor.map { "&cursor=\($0)" } ?? ""))
            XCTAssertEqual(page.status, 200)
            seen += (page.json["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
            cursor = page.json["next_cursor"] as? String
        } while cursor != nil
        XCTAssertEqual(seen, created)
    }

    func testCommentErrors() throws {
        let (_, token) = try signUp()
        let id = try createIdea(token)["id"] as! Int
        assertError(try client.post("/ideas/\(id)/comments", ["body": ""], token: token), 400, "invalid_request", mentioning: "body")
        assertError(try client.post("/ideas/\(id)/comments", ["body": String(repeating: "b", count: 5001)], token: token),
                    400, "invalid_request", mentioning: "body")
        assertError(try client.post("/ideas/\(id)/comments", ["text": "hi"], token: token), 400, "invalid_request", mentioning: "body")
        assertError(try client.post("/ideas/4242/comments", ["body": "hi"], token: token), 404, "not_found")
        assertError(try client.get("/ideas/4242/comments"), 404, "not_found")
        assertError(try client.get("/ideas/\(id)/comments?limit=500"), 400, "invalid_request", mentioning: "limit")
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM comments"), 0)
    }
}

final class RestartTests: ServiceTestCase {
    func testRestartKeepsEverything() throws {
        let (_, token) = try signUp()
        let id = try createIdea(token)["id"] as! Int
        XCTAssertEqual(try client.post("/ideas/\(id)/votes", token: token).status, 201)
        XCTAssertEqual(try client.post("/ideas/\(id)/comments", ["body": "kept"], token: token).status, 201)
        try service.restart()
        client = service.client()
        let idea = try client.get("/ideas/\(id)")
        XCTAssertEqual(idea.json["votes"] as? Int, 1)
        XCTAssertEqual(idea.json["comments"] as? Int, 1)
        XCTAssertEqual(try client.get("/me", token: token).status, 200)
        assertError(try client.post("/ideas/\(id)/votes", token: token), 409, "already_voted")
        XCTAssertEqual((try client.get("/ideas/\(id)/comments").json["items"] as? [[String: Any]])?.first?["body"] as? String, "kept")
    }
}
