import Foundation
import TestSupport
import XCTest
@testable import Groundswell

final class UserTests: ServiceTestCase {
    func testHealthz() throws {
        let response = try client.get("/healthz")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.json["status"] as? String, "ok")
    }

    func testSignUpReturnsTokenAndMeShowsProfile() throws {
        let created = try client.post("/users", ["name": "Ann Lee", "email": "Ann@Example.com", "extra": 1])
        XCTAssertEqual(created.status, 201)
        XCTAssertEqual(created.json["name"] as? String, "Ann Lee")
        XCTAssertNotNil(created.json["id"] as? Int)
        let token = try XCTUnwrap(created.json["token"] as? String)
        let me = try client.get("/me", token: token)
        XCTAssertEqual(me.status, 200)
        XCTAssertEqual(me.json["name"] as? String, "Ann Lee")
        XCTAssertEqual(me.json["email"] as? String, "Ann@Example.com")
        XCTAssertNotNil(me.json["created_at"] as? String)
        // Only the hash is stored.
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM users WHERE token_hash = ?", [Array(token.utf8)]), 0)
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM users WHERE token_hash = ?", [Tokens.hash(token)]), 1)
    }

    func testDuplicateEmailIsRejectedCaseInsensitively() throws {
        XCTAssertEqual(try client.post("/users", ["name": "A", "email": "dup@example.com"]).status, 201)
        assertError(try client.post("/users", ["name": "B", "email": "DUP@example.COM"]), 409, "email_taken")
    }

    func testMissingOrBadTokenIs401() throws {
        assertError(try client.get("/me"), 401, "unauthorized")
        assertError(try client.get("/me", token: "nope"), 401, "unauthorized")
        assertError(try client.request("GET", "/me", headers: [("Authorization", "Basic abc")]), 401, "unauthorized")
        assertError(try client.post("/ideas", ["title": "abc", "description": "d", "category": "c"]), 401, "unauthorized")
        assertError(try client.post("/ideas/1/votes"), 401, "unauthorized")
        assertError(try client.post("/ideas/1/comments", ["body": "x"]), 401, "unauthorized")
    }

    func testInvalidSignUpBodiesNameTheField() throws {
        let cases: [([UInt8], String?)] = [
            (Array(#"{"email":"a@b.c"}"#.utf8), "name"),
            (Array(#"{"name":"A"}"#.utf8), "email"),
            (Array(#"{"name":5,"email":"a@b.c"}"#.utf8), "name"),
            (Array(#"{"name":null,"email":"a@b.c"}"#.utf8), "name"),
            (Array(#"{"name":"","email":"a@b.c"}"#.utf8), "name"),
            (Array(#"{"name":"   ","email":"a@b.c"}"#.utf8), "name"),
            (Array("{\"name\":\"\(String(repeating: "x", count: 81))\",\"email\":\"a@b.c\"}".utf8), "name"),
            (Array(#"{"name":"A","email":"not-an-email"}"#.utf8), "email"),
            (Array(#"{"name":"A","email":"a b@c.d"}"#.utf8), "email"),
            (Array(#"{"name":"A","email":["a@b.c"]}"#.utf8), "email"),
            (Array(#"{"name":"A\u0007","email":"a@b.c"}"#.utf8), "name"),
            (Array(#"{"name":"A","email":"a@b.c""#.utf8), nil),
            (Array(#"[1,2]"#.utf8), "object"),
            (Array(#""text""#.utf8), "object"),
            (Array("{\"name\":\"A\",\"name\":\"B\",\"email\":\"a@b.c\"}".utf8), "name"),
            (Array("{\"name\":\"\u{00}\"}".utf8), nil),
            (Array("{\"name\":\"".utf8) + [0xC3, 0x28] + Array("\",\"email\":\"a@b.c\"}".utf8), "name"),
            (Array("{\"name\":\"\\ud800\",\"email\":\"a@b.c\"}".utf8), "name"),
            ([], "object"),
        ]
        for (body, field) in cases {
            let response = try client.request("POST", "/users", body: body)
            assertError(response, 400, "invalid_request", mentioning: field)
        }
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM users"), 0)
    }

    func testDeepNestingIsRefusedNotCrashing() throws {
        let body = Array((String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)).utf8)
        assertError(try client.request("POST", "/users", body: body), 400, "invalid_request")
    }

    func testOversizedBodyIs413() throws {
        let body = Array("{\"name\":\"\(String(repeating: "x", count: 1_100_000))\"}".utf8)
        let response = try client.request("POST", "/users", body: body)
        assertError(response, 413, "payload_too_large")
    }
}
