import Synchronization
import Foundation
import SQLiteStore
import TestSupport
import XCTest
@testable import Groundswell

final class OperatingTests: ServiceTestCase {
    var admin: String { service.adminToken }

    func makeStaff(_ role: String, name: String = "Sam") throws -> (id: Int, token: String) {
        let response = try client.post("/admin/staff", ["name": name, "role": role], token: admin)
        XCTAssertEqual(response.status, 201, response.text)
        return (response.json["id"] as! Int, response.json["token"] as! String)
    }

    func patchIdea(_ id: Int, _ body: [String: Any], token: String) throws -> ClientResponse {
        try client.request("PATCH", "/admin/ideas/\(id)", json: body, token: token)
    }

    func ids(_ path: String, token: String? = nil) throws -> [Int] {
        (try client.get(path, token: token).json["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
    }

    func testStaffRolesAndRefusals() throws {
        let moderator = try makeStaff("moderator")
        let customer = try signUp().token
        let list = try client.get("/admin/staff", token: admin)
        XCTAssertEqual((list.json["items"] as? [[String: Any]])?.map { $0["role"] as? String }, ["admin", "moderator"])
        XCTAssertNil((list.json["items"] as? [[String: Any]])?.first?["token"], "tokens are shown once")
        for path in ["/admin/staff", "/admin/audit", "/admin/flags", "/admin/stats"] {
            assertError(try client.get(path), 401, "unauthorized")
            assertError(try client.get(path, token: customer), 403, "forbidden")
        }
        assertError(try client.get("/admin/staff", token: moderator.token), 403, "forbidden")
        // Even paths or methods that do not exist under /admin/ answer 401/403 first.
        assertError(try client.get("/admin/nothing-here"), 401, "unauthorized")
        assertError(try client.get("/admin/rounds", token: customer), 403, "forbidden")
        assertError(try client.get("/admin/nothing-here", token: admin), 404, "not_found")
        assertError(try client.post("/admin/staff", ["name": "X", "role": "admin"], token: moderator.token), 403, "forbidden")
        assertError(try client.post("/admin/categories", ["name": "x"], token: moderator.token), 403, "forbidden")
        assertError(try client.post("/admin/users/1/ban", token: moderator.token), 403, "forbidden")
        XCTAssertEqual(try client.get("/admin/flags", token: moderator.token).status, 200)
        assertError(try client.post("/admin/staff", ["name": "X", "role": "owner"], token: admin), 400, "invalid_request", mentioning: "role")

        let revoked = try client.request("DELETE", "/admin/staff/\(moderator.id)", token: admin)
        XCTAssertEqual(revoked.status, 200)
        XCTAssertNotNil(revoked.json["revoked_at"] as? String)
        assertError(try client.get("/admin/flags", token: moderator.token), 401, "unauthorized")
        assertError(try client.request("DELETE", "/admin/staff/1", token: admin), 409, "last_admin")
        assertError(try client.request("DELETE", "/admin/staff/99", token: admin), 404, "not_found")
    }

    func testIdeaLifecycleAndPublicHistory() throws {
        let moderator = try makeStaff("moderator", name: "Mia")
        let (_, token) = try signUp()
        let id = try createIdea(token)["id"] as! Int
        assertError(try patchIdea(id, ["status": "launched"], token: moderator.token), 409, "invalid_transition")
        assertError(try patchIdea(id, ["status": "duplicate"], token: moderator.token), 409, "invalid_transition")
        assertError(try patchIdea(id, ["status": "finished"], token: moderator.token), 400, "invalid_request", mentioning: "status")
        for (status, note) in [("under_review", "Looking at it"), ("accepted", nil), ("in_progress", "Piloting in 20 stores"), ("launched", "Live!")] {
            var body: [String: Any] = ["status": status]
            if let note { body["note"] = note }
            let response = try patchIdea(id, body, token: moderator.token)
            XCTAssertEqual(response.status, 200, response.text)
            XCTAssertEqual(response.json["status"] as? String, status)
        }
        assertError(try patchIdea(id, ["status": "declined"], token: moderator.token), 409, "invalid_transition")
        let history = try client.get("/ideas/\(id)/history").json["items"] as? [[String: Any]] ?? []
        XCTAssertEqual(history.map { $0["to"] as? String }, ["submitted", "under_review", "accepted", "in_progress", "launched"])
        XCTAssertEqual(history.last?["note"] as? String, "Live!")
        XCTAssertEqual(history.last?["by"] as? String, "Mia")
        XCTAssertEqual(try ids("/ideas?status=launched"), [id])
        let customer = try signUp().token
        assertError(try patchIdea(id, ["hidden": true], token: customer), 403, "forbidden")
        assertError(try patchIdea(999, ["hidden": true], token: admin), 404, "not_found")
    }

    func testHiddenIdeasAndCommentsDisappearForThePublicOnly() throws {
        let (_, token) = try signUp()
        let visible = try createIdea(token, title: "Visible lantern")["id"] as! Int
        let hidden = try createIdea(token, title: "Hidden lantern")["id"] as! Int
        let comment = try client.post("/ideas/\(visible)/comments", ["body": "rude words"], token: token).json["id"] as! Int
        XCTAssertEqual(try client.post("/ideas/\(visible)/comments", ["body": "kind words"], token: token).status, 201)
        XCTAssertEqual(try patchIdea(hidden, ["hidden": true], token: admin).status, 200)
        assertError(try client.get("/ideas/\(hidden)"), 404, "not_found")
        XCTAssertEqual(try client.get("/ideas/\(hidden)", token: admin).status, 200, "staff still see it")
        XCTAssertEqual(try ids("/ideas"), [visible])
        XCTAssertEqual(try ids("/ideas?q=lantern"), [visible])
        XCTAssertEqual(try ids("/ideas?q=lantern&sort=top"), [visible])
        assertError(try client.post("/ideas/\(hidden)/votes", token: token), 404, "not_found")
        assertError(try client.post("/ideas/\(hidden)/comments", ["body": "x"], token: token), 404, "not_found")
        assertError(try client.get("/ideas/\(hidden)/history"), 404, "not_found")

        let hiddenComment = try client.request("PATCH", "/admin/comments/\(comment)", json: ["hidden": true], token: admin)
        XCTAssertEqual(hiddenComment.status, 200, hiddenComment.text)
        let comments = try client.get("/ideas/\(visible)/comments").json["items"] as? [[String: Any]] ?? []
        XCTAssertEqual(comments.map { $0["body"] as? String }, ["kind words"])
        XCTAssertEqual(try client.get("/ideas/\(visible)").json["comments"] as? Int, 1)
        XCTAssertEqual(try patchIdea(hidden, ["hidden": false], token: admin).status, 200)
        XCTAssertEqual(try client.get("/ideas/\(hidden)").status, 200)
        XCTAssertEqual(Set(try ids("/ideas?q=lantern")), [visible, hidden])
    }

    func testFlagsAndTheModerationQueue() throws {
        let moderator = try makeStaff("moderator")
        let (_, author) = try signUp()
        let (_, reporter) = try signUp()
        let idea = try createIdea(author)["id"] as! Int
        let comment = try client.post("/ideas/\(idea)/comments", ["body": "spam spam"], token: author).json["id"] as! Int
        let flag = try client.post("/ideas/\(idea)/flags", ["reason": "off-topic"], token: reporter)
        XCTAssertEqual(flag.status, 201, flag.text)
        XCTAssertEqual(flag.json["state"] as? String, "open")
        assertError(try client.post("/ideas/\(idea)/flags", ["reason": "again"], token: reporter), 409, "already_flagged")
        assertError(try client.post("/ideas/\(idea)/flags", ["reason": ""], token: reporter), 400, "invalid_request", mentioning: "reason")
        assertError(try client.post("/ideas/\(idea)/flags", ["reason": "x"]), 401, "unauthorized")
        assertError(try client.post("/comments/999/flags", ["reason": "x"], token: reporter), 404, "not_found")
        let commentFlag = try client.post("/comments/\(comment)/flags", ["reason": "spam"], token: reporter).json["id"] as! Int
        XCTAssertEqual(try client.post("/comments/\(comment)/flags", ["reason": "spam"], token: author).status, 201)

        let queue = try client.get("/admin/flags?state=open", token: moderator.token).json["items"] as? [[String: Any]] ?? []
        XCTAssertEqual(queue.count, 3)
        let dismissed = try client.post("/admin/flags/\(flag.json["id"] as! Int)/resolve", ["action": "dismiss"], token: moderator.token)
        XCTAssertEqual(dismissed.json["state"] as? String, "resolved")
        XCTAssertEqual(dismissed.json["resolution"] as? String, "dismiss")
        XCTAssertEqual(try client.get("/ideas/\(idea)").status, 200)
        XCTAssertEqual(try client.post("/admin/flags/\(commentFlag)/resolve", ["action": "hide"], token: moderator.token).status, 200)
        XCTAssertEqual((try client.get("/ideas/\(idea)/comments").json["items"] as? [Any])?.count, 0)
        XCTAssertEqual((try client.get("/admin/flags", token: moderator.token).json["items"] as? [Any])?.count, 0,
                       "hiding settles every open flag on the item")
        assertError(try client.post("/admin/flags/\(commentFlag)/resolve", ["action": "hide"], token: moderator.token), 409, "flag_resolved")
        assertError(try client.post("/admin/flags/\(commentFlag)/resolve", ["action": "delete"], token: moderator.token), 400, "invalid_request")
        XCTAssertEqual((try client.get("/admin/flags?state=resolved", token: moderator.token).json["items"] as? [Any])?.count, 3)
    }

    func testMergeMovesVotesWithoutDoubleCounting() throws {
        let (_, author) = try signUp()
        let source = try createIdea(author, title: "Oat milk please")["id"] as! Int
        let target = try createIdea(author, title: "Offer oat milk")["id"] as! Int
        let voters = try (0..<4).map { _ in try signUp().token }
        for voter in voters.prefix(3) { XCTAssertEqual(try client.post("/ideas/\(source)/votes", token: voter).status, 201) }
        for voter in voters.suffix(2) { XCTAssertEqual(try client.post("/ideas/\(target)/votes", token: voter).status, 201) }
        XCTAssertEqual(try client.post("/ideas/\(source)/comments", ["body": "+1"], token: voters[0]).status, 201)
        let merged = try client.post("/admin/ideas/\(source)/merge", ["into": target], token: admin)
        XCTAssertEqual(merged.status, 200, merged.text)
        XCTAssertEqual((merged.json["target"] as? [String: Any])?["votes"] as? Int, 4, "voter 3 voted for both and counts once")
        XCTAssertEqual((merged.json["target"] as? [String: Any])?["comments"] as? Int, 1)
        let sourceNow = try client.get("/ideas/\(source)").json
        XCTAssertEqual(sourceNow["status"] as? String, "duplicate")
        XCTAssertEqual(sourceNow["merged_into"] as? Int, target, "people following the duplicate are pointed at the target")
        XCTAssertEqual(sourceNow["votes"] as? Int, 0)
        XCTAssertEqual(try service.scalar("SELECT merged_into FROM ideas WHERE id = ?", [source]), Int64(target))
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM votes WHERE idea_id = ?", [target]), 4)
        assertError(try client.post("/ideas/\(target)/votes", token: voters[0]), 409, "already_voted")

        assertError(try client.post("/admin/ideas/\(target)/merge", ["into": target], token: admin), 409, "invalid_merge")
        assertError(try client.post("/admin/ideas/\(source)/merge", ["into": target], token: admin), 409, "invalid_merge")
        let other = try createIdea(author, title: "Something else")["id"] as! Int
        assertError(try client.post("/admin/ideas/\(other)/merge", ["into": source], token: admin), 409, "invalid_merge")
        let hidden = try createIdea(author, title: "Hidden target")["id"] as! Int
        XCTAssertEqual(try patchIdea(hidden, ["hidden": true], token: admin).status, 200)
        assertError(try client.post("/admin/ideas/\(other)/merge", ["into": hidden], token: admin), 409, "invalid_merge")
        assertError(try client.post("/admin/ideas/\(other)/merge", ["into": 999], token: admin), 404, "not_found")
    }

    func testSimilarIdeasFindLikelyDuplicates() throws {
        let (_, token) = try signUp()
        let oat = try createIdea(token, title: "Oat milk in every store", description: "Dairy-free.")["id"] as! Int
        let soy = try createIdea(token, title: "Soy milk option", description: "Dairy-free too.")["id"] as! Int
        _ = try createIdea(token, title: "Faster wifi", description: "The network is slow.")
        let found = try ids("/ideas/similar?title=oat+milk+option")
        XCTAssertEqual(Set(found), [oat, soy])
        XCTAssertLessThanOrEqual(found.count, 10)
        assertError(try client.get("/ideas/similar"), 400, "invalid_request", mentioning: "title")
        XCTAssertEqual(try ids("/ideas/similar?title=%21%21"), [])
    }

    func testBanWithVoidedVotesRecomputesCountsAndLeaderboards() throws {
        let (_, author) = try signUp()
        let (cheaterID, cheater) = try signUp()
        let (accompliceID, accomplice) = try signUp()
        let (_, honest) = try signUp()
        let a = try createIdea(author, title: "Idea A")["id"] as! Int
        let b = try createIdea(author, title: "Idea B")["id"] as! Int
        XCTAssertEqual(try client.post("/ideas/\(a)/votes", token: cheater).status, 201)
        XCTAssertEqual(try client.post("/ideas/\(a)/votes", token: accomplice).status, 201)
        XCTAssertEqual(try client.post("/ideas/\(b)/votes", token: cheater).status, 201)
        XCTAssertEqual(try client.post("/ideas/\(b)/votes", token: honest).status, 201)
        XCTAssertEqual(try client.post("/ideas/\(a)/votes", token: honest).status, 201)
        // a: 3 votes, b: 2. Voiding the two cheaters leaves a with 1 and b with 1 (b newer first).
        XCTAssertEqual(try ids("/ideas?sort=top"), [a, b])
        XCTAssertEqual(try ids("/ideas?sort=trending"), [a, b])
        XCTAssertEqual(try client.post("/admin/users/\(accompliceID)/ban", ["void_votes": true], token: admin).json["voided_votes"] as? Int, 1)
        let ban = try client.post("/admin/users/\(cheaterID)/ban", ["void_votes": true], token: admin)
        XCTAssertEqual(ban.status, 200, ban.text)
        XCTAssertEqual(ban.json["voided_votes"] as? Int, 2)
        XCTAssertEqual(try ids("/ideas?sort=top"), [b, a], "the top list follows the voided votes")
        XCTAssertEqual(try client.get("/ideas/\(a)").json["votes"] as? Int, 1)
        assertError(try client.get("/me", token: cheater), 403, "banned")
        assertError(try client.post("/ideas/\(a)/votes", token: cheater), 403, "banned")
        XCTAssertEqual(try client.get("/ideas/\(a)").json["votes"] as? Int, 1)
        XCTAssertEqual(try client.get("/ideas/\(b)").json["votes"] as? Int, 1)
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM voided_votes WHERE user_id = ?", [cheaterID]), 2)
        XCTAssertEqual(try client.post("/admin/users/\(cheaterID)/unban", token: admin).status, 200)
        XCTAssertEqual(try client.get("/me", token: cheater).status, 200)
        XCTAssertEqual(try client.get("/ideas/\(a)").json["votes"] as? Int, 1, "voided votes stay voided")
        let profile = try client.get("/admin/users/\(cheaterID)", token: admin)
        XCTAssertNotNil(profile.json["email"] as? String, "staff see emails only here")
        assertError(try client.post("/admin/users/999/ban", token: admin), 404, "not_found")
    }

    func testManagedCategories() throws {
        let (_, token) = try signUp()
        XCTAssertEqual(try client.post("/ideas", ["title": "Free text", "description": "d", "category": "anything"], token: token).status, 201)
        let drinks = try client.post("/admin/categories", ["name": "Drinks"], token: admin)
        XCTAssertEqual(drinks.status, 201)
        assertError(try client.post("/admin/categories", ["name": "drinks"], token: admin), 409, "category_exists")
        let food = try client.post("/admin/categories", ["name": "Food"], token: admin).json["id"] as! Int
        XCTAssertEqual((try client.get("/categories").json["items"] as? [[String: Any]])?.map { $0["name"] as? String }, ["Drinks", "Food"])
        assertError(try client.post("/ideas", ["title": "Unknown", "description": "d", "category": "toys"], token: token), 400, "unknown_category")
        let made = try client.post("/ideas", ["title": "Matcha", "description": "d", "category": "drinks"], token: token)
        XCTAssertEqual(made.json["category"] as? String, "Drinks", "stored with the category's own spelling")
        assertError(try client.request("DELETE", "/admin/categories/\(drinks.json["id"] as! Int)", token: admin), 409, "category_in_use")
        XCTAssertEqual(try client.request("DELETE", "/admin/categories/\(food)", token: admin).status, 204)
    }

    func testEveryStaffActionIsAuditedAndTheLogCannotBeEdited() throws {
        let moderator = try makeStaff("moderator", name: "Mo")
        let (_, token) = try signUp()
        let id = try createIdea(token)["id"] as! Int
        XCTAssertEqual(try patchIdea(id, ["status": "under_review", "note": "ok"], token: moderator.token).status, 200)
        XCTAssertEqual(try patchIdea(id, ["hidden": true], token: admin).status, 200)
        let log = try client.get("/admin/audit", token: admin).json["items"] as? [[String: Any]] ?? []
        XCTAssertEqual(log.map { $0["action"] as? String }, ["idea.hide", "idea.status", "staff.create"])
        XCTAssertEqual((log[1]["actor"] as? [String: Any])?["name"] as? String, "Mo")
        XCTAssertEqual(log[1]["before"] as? String, "submitted")
        XCTAssertEqual((try client.get("/admin/audit?actor=\(moderator.id)", token: admin).json["items"] as? [Any])?.count, 1)
        XCTAssertEqual((try client.get("/admin/audit?target=idea:\(id)", token: admin).json["items"] as? [Any])?.count, 2)
        let page = try client.get("/admin/audit?limit=2", token: admin)
        let next = try XCTUnwrap(page.json["next_cursor"] as? String)
        XCTAssertEqual((try client.get("/admin/audit?limit=2&cursor=\(next)", token: admin).json["items"] as? [Any])?.count, 1)
        let db = try service.connection()
        XCTAssertThrowsError(try db.run("UPDATE audit_log SET action = 'nothing'"))
        XCTAssertThrowsError(try db.run("DELETE FROM audit_log"))
    }

    /// The staff reports that scan whole tables (operating figures, the fraud report) run on the
    /// analytics thread: while it is busy they wait there, and the event loop answers the rest.
    func testWholeTableReportsWaitOnTheAnalyticsThreadNotAnEventLoop() throws {
        let release = occupy { service.app.context.engagement.background(context: "a test's busy job", $0) }
        let port = service.port, token = admin
        let answers = Mutex<[String: Int]>([:])
        let done = DispatchGroup()
        for path in ["/admin/stats", "/admin/fraud"] {
            DispatchQueue.global().async(group: done) {
                let status = (try? TestClient(port: port).get(path, token: token).status) ?? -1
                answers.withLock { $0[path] = status }
            }
        }
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertEqual(try client.get("/healthz").status, 200, "the loop is free")
        XCTAssertEqual(try client.get("/ideas").status, 200)
        XCTAssertEqual(answers.withLock { $0 }, [:], "both reports wait for the analytics thread")
        release()
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(answers.withLock { $0 }, ["/admin/stats": 200, "/admin/fraud": 200])
    }

    func testStatsAndMetrics() throws {
        let (_, token) = try signUp()
        let id = try createIdea(token)["id"] as! Int
        XCTAssertEqual(try client.post("/ideas/\(id)/votes", token: token).status, 201)
        XCTAssertEqual(try client.post("/ideas/\(id)/flags", ["reason": "test"], token: token).status, 201)
        let stats = try client.get("/admin/stats", token: admin).json
        XCTAssertEqual(stats["users"] as? Int, 1)
        XCTAssertEqual((stats["ideas"] as? [String: Any])?["submitted"] as? Int, 1)
        XCTAssertEqual((stats["votes"] as? [String: Any])?["total"] as? Int, 1)
        XCTAssertEqual((stats["votes"] as? [String: Any])?["today"] as? Int, 1)
        XCTAssertEqual(stats["open_flags"] as? Int, 1)
        XCTAssertTrue(stats["current_round"] is NSNull)
        assertError(try client.get("/metrics"), 401, "unauthorized")
        let metrics = try client.get("/metrics", token: admin)
        XCTAssertEqual(metrics.status, 200)
        XCTAssertTrue(metrics.header("content-type")?.hasPrefix("text/plain") ?? false)
        XCTAssertTrue(metrics.text.contains(#"groundswell_http_requests_total{method="POST",route="/ideas/{id}/votes",status="201"} 1"#), metrics.text)
        XCTAssertTrue(metrics.text.contains("groundswell_http_request_duration_seconds_bucket{le=\"+Inf\"}"))
        XCTAssertTrue(metrics.text.contains("groundswell_http_open_connections 1"))
        XCTAssertTrue(metrics.text.contains("groundswell_db_write_seconds_count"))
        // SQLite's checkpointer (none has run yet: the WAL is far below its window); PostgreSQL has none.
        XCTAssertEqual(metrics.text.contains("groundswell_wal_checkpoint_passes_total 0\n"), TestService.engine == .sqlite, metrics.text)
        XCTAssertEqual(metrics.text.contains("groundswell_wal_checkpoint_writer_copies_total 0\n"), TestService.engine == .sqlite)
        XCTAssertEqual(metrics.text.contains("groundswell_wal_checkpoint_writer_copy_seconds_total 0"), TestService.engine == .sqlite)
        // SQLite's pipelined syncs: the writes above were each answered after a flush.
        let syncs = metrics.text.split(separator: "\n").first { $0.hasPrefix("groundswell_wal_syncs_total ") }
            .flatMap { Int($0.split(separator: " ")[1]) }
        if TestService.engine == .sqlite {
            XCTAssertGreaterThan(try XCTUnwrap(syncs), 0, metrics.text)
            XCTAssertTrue(metrics.text.contains("groundswell_wal_sync_seconds_total "))
            XCTAssertTrue(metrics.text.contains("groundswell_wal_sync_rests_total "), metrics.text)
            XCTAssertTrue(metrics.text.contains("groundswell_wal_sync_rest_seconds_total "))
        } else {
            XCTAssertNil(syncs)
            XCTAssertFalse(metrics.text.contains("groundswell_wal_sync_rests_total"))
        }
    }

    /// Every long-lived thread carries a name Linux accepts (15 bytes at most; a longer one is
    /// refused, and the thread shows the program's name), so `top -H`, `perf` and
    /// `/proc/PID/task/*/comm` tell the event loop, the writer and the syncer apart.
    func testThreadsAreNamedForTheOperator() throws {
        XCTAssertEqual(try client.get("/healthz").status, 200, "a loop has served a request")
        let names = Set(ProcessThread.all().map(\.name))
        XCTAssertTrue(names.contains { $0.hasPrefix("http-loop-") }, "\(names)")
        XCTAssertTrue(names.contains("gs-events"), "\(names)")
        if TestService.engine == .sqlite {
            for name in ["gs-writer", "gs-syncer", "gs-checkpoint"] { XCTAssertTrue(names.contains(name), "\(name) in \(names)") }
        } else {
            XCTAssertTrue(names.contains("gs-pg-writer-0"), "\(names)")
        }
    }

    /// Work nobody waits for yields the cores to the threads that serve requests: reports
    /// recomputed in the background run at `SCHED_IDLE`, reports a request waits for at nice 10.
    func testBackgroundReportsYieldTheCoresToRequests() throws {
        XCTAssertEqual(try client.get("/healthz").status, 200, "a loop has served a request")
        // Each thread's nice value and scheduling policy, by name.
        var threads: [String: (nice: Int, policy: Int)] = [:]
        for thread in ProcessThread.all() { threads[thread.name] = (thread.nice, thread.policy) }
        XCTAssertEqual(threads["gs-analytics-bg"]?.policy, 5, "SCHED_IDLE: \(threads)")
        XCTAssertEqual(threads["gs-analytics"]?.policy, 0, "SCHED_OTHER: \(threads)")
        XCTAssertEqual(threads["gs-analytics"]?.nice, 10, "\(threads)")
        XCTAssertEqual(threads["gs-writer"]?.policy ?? 0, 0, "\(threads)")
        XCTAssertEqual(threads["gs-writer"]?.nice ?? 0, 0, "\(threads)")
        XCTAssertTrue(threads.keys.contains { $0.hasPrefix("http-loop-") && threads[$0]?.policy == 0 && threads[$0]?.nice == 0 },
                      "\(threads)")
    }
}
