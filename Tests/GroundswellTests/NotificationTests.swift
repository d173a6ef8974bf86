import Foundation
import JSON
import SQLiteStore
import TestSupport
import XCTest
@testable import Groundswell

/// Issue 16 (first part): following ideas and in-app notifications, through the real server.
final class NotificationTests: ServiceTestCase {
    let testClock = TestClock(Timestamp.parse("2026-06-01T12:00:00Z")!)
    override var clock: TestClock? { testClock }

    func notifications(_ token: String, _ query: String = "") throws -> (items: [[String: Any]], unread: Int, next: String?) {
        let response = try client.get("/me/notifications\(query)", token: token)
        XCTAssertEqual(response.status, 200, response.text)
        XCTAssertEqual(response.header("cache-control"), "no-store")
        return (response.json["items"] as? [[String: Any]] ?? [], response.json["unread_count"] as? Int ?? -1,
                response.json["next_cursor"] as? String)
    }

    func testFollowersHearOfStatusChangesCommentsAndMerges() throws {
        let (_, author) = try signUp("Author")
        let (_, voter) = try signUp("Voter")
        let (_, commenter) = try signUp("Commenter")
        let (_, follower) = try signUp("Follower")
        let (_, muted) = try signUp("Muted")
        let (_, stranger) = try signUp("Stranger")
        let idea = try createIdea(author, title: "Reusable cups")["id"] as! Int
        XCTAssertEqual(try client.post("/ideas/\(idea)/votes", token: voter).status, 201)
        XCTAssertEqual(try client.post("/ideas/\(idea)/votes", token: muted).status, 201)
        let follow = try client.post("/ideas/\(idea)/follow", token: follower)
        XCTAssertEqual(follow.status, 200)
        XCTAssertEqual(follow.json["following"] as? Bool, true)
        XCTAssertEqual(try client.request("DELETE", "/ideas/\(idea)/follow", token: muted).json["following"] as? Bool, false)
        XCTAssertEqual(try client.post("/ideas/\(idea)/comments", ["body": "Yes, and lids too."], token: commenter).status, 201)

        // The comment reaches the author, the voter and the follower, not its writer or the muted voter.
        for token in [author, voter, follower] {
            let items = try notifications(token).items
            XCTAssertEqual(items.map { $0["kind"] as? String }, ["comment"], token)
            let data = items.first?["data"] as? [String: Any]
            XCTAssertEqual(data?["author_name"] as? String, "Commenter")
            XCTAssertEqual(data?["excerpt"] as? String, "Yes, and lids too.")
            XCTAssertEqual(items.first?["idea_id"] as? Int, idea)
        }
        for token in [commenter, muted, stranger] { XCTAssertEqual(try notifications(token).items.count, 0) }

        let changed = try client.request("PATCH", "/admin/ideas/\(idea)", json: ["status": "under_review", "note": "We are testing this in 10 stores."],
                                         token: service.adminToken)
        XCTAssertEqual(changed.status, 200)
        for token in [author, voter, commenter, follower] {
            let (items, unread, _) = try notifications(token)
            let first = try XCTUnwrap(items.first)
            XCTAssertEqual(first["kind"] as? String, "status_changed")
            let data = first["data"] as? [String: Any]
            XCTAssertEqual(data?["from"] as? String, "submitted")
            XCTAssertEqual(data?["to"] as? String, "under_review")
            XCTAssertEqual(data?["note"] as? String, "We are testing this in 10 stores.")
            XCTAssertEqual(data?["idea_title"] as? String, "Reusable cups")
            XCTAssertEqual(unread, items.count)
        }
        XCTAssertEqual(try notifications(muted).items.count, 0)

        // Reading: by id, then all; unread filter and paging.
        let (items, _, _) = try notifications(author)
        let read = try client.post("/me/notifications/read", ["ids": [items[0]["id"] as! Int]], token: author)
        XCTAssertEqual(read.json["unread_count"] as? Int, 1)
        XCTAssertEqual(try notifications(author, "?unread=true").items.count, 1)
        let page = try notifications(author, "?limit=1")
        XCTAssertEqual(page.items.count, 1)
        let rest = try notifications(author, "?limit=1&cursor=\(try XCTUnwrap(page.next))")
        XCTAssertEqual(rest.items.count, 1)
        XCTAssertNotEqual(rest.items[0]["id"] as? Int, page.items[0]["id"] as? Int)
        XCTAssertEqual(try client.post("/me/notifications/read", ["all": true], token: author).json["unread_count"] as? Int, 0)
        assertError(try client.post("/me/notifications/read", [:], token: author), 400, "invalid_request")
        assertError(try client.post("/me/notifications/read", ["ids": ["x"]], token: author), 400, "invalid_request")
        assertError(try client.get("/me/notifications?unread=maybe", token: author), 400, "invalid_request")
        assertError(try client.get("/me/notifications"), 401, "unauthorized")
        assertError(try client.post("/ideas/999/follow", token: author), 404, "not_found")

        // Turning auto-follow off stops the implicit reasons.
        XCTAssertEqual(try client.request("PATCH", "/me", json: ["auto_follow": false], token: voter).json["auto_follow"] as? Bool, false)
        XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(idea)", json: ["status": "accepted"], token: service.adminToken).status, 200)
        XCTAssertEqual(try notifications(voter).items.count, 2, "no third notification")
        XCTAssertEqual(try notifications(follower).items.count, 3, "explicit follows stay")

        // A merge tells the source's followers where it went.
        let duplicate = try createIdea(stranger, title: "Bring your own cup")["id"] as! Int
        XCTAssertEqual(try client.post("/admin/ideas/\(duplicate)/merge", ["into": idea], token: service.adminToken).status, 200)
        let merged = try XCTUnwrap(try notifications(stranger).items.first)
        XCTAssertEqual(merged["kind"] as? String, "merged")
        XCTAssertEqual((merged["data"] as? [String: Any])?["into_id"] as? Int, idea)

        // Erasure takes them away, and an erased voter or commenter hears nothing more.
        XCTAssertEqual(try client.request("DELETE", "/me", token: follower).status, 204)
        XCTAssertEqual(try client.request("DELETE", "/me", token: commenter).status, 204)
        XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(idea)", json: ["status": "in_progress"], token: service.adminToken).status, 200)
        XCTAssertEqual(try notifications(author).items.first?["kind"] as? String, "status_changed", "the living still hear")
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.deleted_at IS NOT NULL"), 0)
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM follows f JOIN users u ON u.id = f.user_id WHERE u.deleted_at IS NOT NULL"), 0)
    }

    /// Finding an idea's followers looks each one up; it never lists every customer (which took
    /// 0.3–0.66 s at 1,000,000 customers for every comment and every signed-in idea page).
    func testFollowersAreFoundWithoutListingEveryCustomer() throws {
        try XCTSkipIf(TestService.engine == .postgres, "SQLite's query plan")
        let db = try service.connection()
        let plan = try db.query("EXPLAIN QUERY PLAN \(NotificationStore.followersSQL)", [1, nil as Int64?]) { $0.string(3) }
        XCTAssertFalse(plan.isEmpty)
        XCTAssertFalse(plan.contains { $0.hasPrefix("SCAN") && !$0.hasPrefix("SCAN f") }, plan.joined(separator: "\n"))
    }

    func testAuthorsHearTheirRoundResults() throws {
        let day: Int64 = 86_400_000
        let at = { (offset: Int64) in Timestamp.string(self.testClock.nowMillis() + offset) }
        let round = try client.post("/admin/rounds", [
            "name": "June grants", "submissions_open_at": at(0), "submissions_close_at": at(day),
            "voting_opens_at": at(day), "voting_closes_at": at(2 * day), "votes_per_user_per_day": 3,
            "mode": "tiers", "tiers": [["name": "5K", "amount": 5000, "winners": 1]],
        ], token: service.adminToken)
        XCTAssertEqual(round.status, 201, round.text)
        let roundID = round.json["id"] as! Int
        let (_, winner) = try signUp("Winner")
        let (_, runnerUp) = try signUp("Runner-up")
        func enter(_ token: String, _ title: String) throws -> Int {
            let response = try client.post("/ideas", ["title": title, "description": "d", "category": "c", "round_id": roundID, "tier": "5K"], token: token)
            XCTAssertEqual(response.status, 201, response.text)
            return response.json["id"] as! Int
        }
        let a = try enter(winner, "Community fridge")
        _ = try enter(runnerUp, "Book swap shelf")
        XCTAssertEqual(try notifications(winner).items.first.flatMap { ($0["data"] as? [String: Any])?["outcome"] as? String }, "entered")
        testClock.advance(millis: day + 1000)
        let (_, voter) = try signUp("Voter")
        XCTAssertEqual(try client.post("/ideas/\(a)/votes", token: voter).status, 201)
        XCTAssertEqual(try client.post("/admin/rounds/\(roundID)/close", token: service.adminToken).status, 200)
        let won = try XCTUnwrap(try notifications(winner).items.first?["data"] as? [String: Any])
        XCTAssertEqual(won["outcome"] as? String, "won")
        XCTAssertEqual(won["amount"] as? Int, 5000)
        XCTAssertEqual(won["round_name"] as? String, "June grants")
        let lost = try XCTUnwrap(try notifications(runnerUp).items.first?["data"] as? [String: Any])
        XCTAssertEqual(lost["outcome"] as? String, "not_won")
    }

    /// The company answers as itself: an official comment that every follower hears of.
    func testStaffRepliesAreOfficialAndReachFollowers() throws {
        let (_, author) = try signUp("Author")
        let (_, voter) = try signUp("Voter")
        let idea = try createIdea(author, title: "Oat milk")["id"] as! Int
        XCTAssertEqual(try client.post("/ideas/\(idea)/votes", token: voter).status, 201)
        let reply = try client.post("/admin/ideas/\(idea)/comments", ["body": "Thanks! We are testing it in Seoul."], token: service.adminToken)
        XCTAssertEqual(reply.status, 201, reply.text)
        XCTAssertEqual(reply.json["official"] as? Bool, true)
        XCTAssertTrue((reply.json["author"] as! [String: Any])["id"] is NSNull)
        let listed = try client.get("/ideas/\(idea)/comments").json["items"] as! [[String: Any]]
        XCTAssertEqual(listed.count, 1)
        XCTAssertEqual(listed[0]["official"] as? Bool, true)
        XCTAssertEqual(try client.get("/ideas/\(idea)").json["comments"] as? Int, 1)
        for token in [author, voter] {
            let items = try notifications(token).items
            XCTAssertEqual(items.first?["kind"] as? String, "staff_reply")
            XCTAssertEqual((items.first?["data"] as? [String: Any])?["excerpt"] as? String, "Thanks! We are testing it in Seoul.")
        }
        // A customer's comment is not official; customers cannot post as staff.
        let own = try client.post("/ideas/\(idea)/comments", ["body": "Great"], token: voter)
        XCTAssertEqual(own.json["official"] as? Bool, false)
        XCTAssertEqual(try client.post("/admin/ideas/\(idea)/comments", ["body": "fake"], token: voter).status, 403)
        XCTAssertEqual(try client.post("/admin/ideas/999999/comments", ["body": "x"], token: service.adminToken).status, 404)
        XCTAssertEqual(try client.post("/admin/ideas/\(idea)/comments", ["body": ""], token: service.adminToken).status, 400)
        // Staff can hide an official reply like any comment; the count follows.
        let replyID = reply.json["id"] as! Int
        XCTAssertEqual(try client.request("PATCH", "/admin/comments/\(replyID)", json: ["hidden": true], token: service.adminToken).status, 200)
        XCTAssertEqual(try client.get("/ideas/\(idea)").json["comments"] as? Int, 1)
    }
}
