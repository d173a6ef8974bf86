import Foundation
import HTTPServer
import SQLiteStore
import TestSupport
import XCTest
@testable import Groundswell

final class PersonalDataTests: ServiceTestCase {
    func testExportCorrectRotateAndErase() throws {
        let (id, token) = try signUp("Dana")
        let (_, other) = try signUp("Eve")
        let idea = try createIdea(token)["id"] as! Int
        XCTAssertEqual(try client.post("/ideas/\(idea)/votes", token: token).status, 201)
        XCTAssertEqual(try client.post("/ideas/\(idea)/votes", token: other).status, 201)
        XCTAssertEqual(try client.post("/ideas/\(idea)/comments", ["body": "mine"], token: token).status, 201)
        XCTAssertEqual(try client.post("/ideas/\(idea)/flags", ["reason": "test"], token: token).status, 201)

        let data = try client.get("/me/data", token: token).json
        XCTAssertEqual((data["profile"] as? [String: Any])?["name"] as? String, "Dana")
        XCTAssertNotNil((data["profile"] as? [String: Any])?["email"] as? String)
        XCTAssertEqual((data["ideas"] as? [Any])?.count, 1)
        XCTAssertEqual((data["comments"] as? [Any])?.count, 1)
        XCTAssertEqual((data["votes"] as? [[String: Any]])?.first?["idea_id"] as? Int, idea)
        XCTAssertNotNil((data["votes"] as? [[String: Any]])?.first?["voted_at"] as? String)
        XCTAssertEqual((data["flags"] as? [Any])?.count, 1)
        XCTAssertEqual((data["awards"] as? [Any])?.count, 0)

        // Emails never reach other people.
        for path in ["/ideas/\(idea)", "/ideas", "/ideas/\(idea)/comments"] {
            XCTAssertFalse(try client.get(path).text.contains("@example.com"), path)
        }

        let patched = try client.request("PATCH", "/me", json: ["name": "Dana B.", "contact_opt_in": true], token: token)
        XCTAssertEqual(patched.json["name"] as? String, "Dana B.")
        XCTAssertEqual(patched.json["contact_opt_in"] as? Bool, true)
        assertError(try client.request("PATCH", "/me", json: ["name": ""], token: token), 400, "invalid_request", mentioning: "name")
        assertError(try client.request("PATCH", "/me", json: [:], token: token), 400, "invalid_request")

        let rotated = try client.post("/me/token", token: token)
        XCTAssertEqual(rotated.status, 200)
        let fresh = try XCTUnwrap(rotated.json["token"] as? String)
        assertError(try client.get("/me", token: token), 401, "unauthorized")
        XCTAssertEqual(try client.get("/me", token: fresh).json["id"] as? Int, id)

        XCTAssertEqual(try client.request("DELETE", "/me", token: fresh).status, 204)
        assertError(try client.get("/me", token: fresh), 401, "unauthorized")
        assertError(try client.request("DELETE", "/me", token: fresh), 401, "unauthorized")
        let after = try client.get("/ideas/\(idea)").json
        XCTAssertEqual((after["author"] as? [String: Any])?["name"] as? String, "former member")
        XCTAssertEqual(after["votes"] as? Int, 2, "votes stay, anonymous, so counts remain true")
        let comment = (try client.get("/ideas/\(idea)/comments").json["items"] as? [[String: Any]])?.first
        XCTAssertEqual((comment?["author"] as? [String: Any])?["name"] as? String, "former member")
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM users WHERE email LIKE '%example.com' AND id = ?", [id]), 0)
        // The email can be used again.
        XCTAssertEqual(try client.post("/users", ["name": "New", "email": "fresh@example.com"]).status, 201)
    }
}

/// Customers are cached by token hash; every change to a `users` row must empty the
/// cache before the change is answered.
final class AccountCacheTests: ServiceTestCase {
    func testCachedAccountsFollowRotationBanRenameAndErasure() throws {
        let (id, token) = try signUp("Gil")
        let idea = try createIdea(token)["id"] as! Int
        XCTAssertEqual(try client.get("/me", token: token).status, 200)
        XCTAssertGreaterThan(service.app.context.accounts.count, 0, "a signed-in request fills the cache")
        XCTAssertEqual(try client.get("/me", token: token).json["name"] as? String, "Gil")

        XCTAssertEqual(try client.request("PATCH", "/me", json: ["name": "Gil R."], token: token).status, 200)
        XCTAssertEqual(service.app.context.accounts.count, 0, "a users change empties the cache before it is answered")
        XCTAssertEqual(try client.get("/me", token: token).json["name"] as? String, "Gil R.")

        XCTAssertEqual(try client.post("/admin/users/\(id)/ban", token: service.adminToken).status, 200)
        assertError(try client.post("/ideas/\(idea)/votes", token: token), 403, "banned")
        assertError(try client.post("/ideas/\(idea)/votes", token: token), 403, "banned")
        XCTAssertEqual(try client.post("/admin/users/\(id)/unban", token: service.adminToken).status, 200)
        XCTAssertEqual(try client.post("/ideas/\(idea)/votes", token: token).status, 201)

        let fresh = try XCTUnwrap(try client.post("/me/token", token: token).json["token"] as? String)
        assertError(try client.get("/me", token: token), 401, "unauthorized")
        XCTAssertEqual(try client.get("/me", token: fresh).status, 200)
        XCTAssertEqual(try client.request("DELETE", "/me", token: fresh).status, 204)
        assertError(try client.post("/ideas/\(idea)/votes", token: fresh), 401, "unauthorized")
    }

    func testBearerTokenParsing() {
        func token(_ header: String?) -> String? {
            var headers = HTTPHeaders()
            if let header { headers.add("Authorization", header) }
            return Authenticator.bearerToken(Request(method: .get, target: "/me", headers: headers))
        }
        XCTAssertEqual(token("Bearer abc"), "abc")
        XCTAssertEqual(token("bearer abc"), "abc")
        XCTAssertEqual(token("BEARER    abc  "), "abc")
        XCTAssertEqual(token("  Bearer abc"), "abc")
        XCTAssertNil(token(nil))
        XCTAssertNil(token("Bearer"))
        XCTAssertNil(token("Bearer "))
        XCTAssertNil(token("Bearer\tabc"))
        XCTAssertNil(token("Bearerabc"))
        XCTAssertNil(token("Basic abc"))
        XCTAssertNil(token("Bearex abc"))
    }

    func testStaleReadsAreNotCached() {
        let cache = AccountCache(capacity: 2)
        let key = AccountCache.Key(Tokens.digest("t1"))
        let account = AccountCache.Account(user: AuthenticatedUser(id: 1), banned: false)
        let (missing, generation) = cache.lookup(key)
        XCTAssertNil(missing)
        cache.invalidate()  // a users change committed between the lookup and the read
        cache.store(key, account, generation: generation)
        XCTAssertNil(cache.lookup(key).account, "an account read before the change must not be kept")
        cache.store(key, account, generation: cache.lookup(key).generation)
        XCTAssertEqual(cache.lookup(key).account?.user.id, 1)
        for token in ["t2", "t3"] { cache.store(AccountCache.Key(Tokens.digest(token)), account, generation: cache.lookup(key).generation) }
        XCTAssertLessThanOrEqual(cache.count, 2, "the cache stays within its capacity")
    }

    /// The flat table against a dictionary: random inserts, replacements and removals by
    /// account (which shift probes back), through growth, keep exactly the same entries.
    func testTheTableKeepsWhatADictionaryKeeps() {
        var table = AccountTable()
        var model: [AccountCache.Key: (id: Int64, banned: Bool)] = [:]
        var keys: [AccountCache.Key] = []
        var generator = SystemRandomNumberGenerator()
        for round in 0..<40 {
            for _ in 0..<500 {
                // Few distinct high words: long probes and many collisions.
                let key = keys.isEmpty || Bool.random() ? AccountCache.Key(high: UInt64.random(in: 0..<64, using: &generator) << 58,
                                                                           low: UInt32.random(in: 0..<1_000_000))
                    : keys.randomElement()!
                let id = Int64.random(in: 1..<300)
                table.insert(key, id: id, banned: id % 7 == 0, capacity: 100_000)
                if model[key] == nil { keys.append(key) }
                model[key] = (id, id % 7 == 0)
            }
            let gone = Set((0..<20).map { _ in Int64.random(in: 1..<300) })
            table.remove { gone.contains($0) }
            model = model.filter { !gone.contains($0.value.id) }
            XCTAssertEqual(table.count, model.count, "round \(round)")
            for key in keys {
                let found = table.find(key)
                XCTAssertEqual(found?.id, model[key]?.id, "round \(round)")
                XCTAssertEqual(found?.banned, model[key]?.banned, "round \(round)")
            }
        }
        table.insert(AccountCache.Key(high: 1, low: 1), id: 1 << 31, banned: false, capacity: 100_000)
        XCTAssertNil(table.find(AccountCache.Key(high: 1, low: 1)), "ids beyond 31 bits are not kept")
    }

    /// Start-up chunks read before a change of `users` are refused; a change drops only the
    /// customers it touched.
    func testPreloadedChunksFollowChanges() {
        let cache = AccountCache(capacity: 10)
        let keys = (1...12).map { AccountCache.Key(Tokens.digest("token-\($0)")) }
        let generation = cache.generation
        cache.forget(users: [99])  // a change committed while the chunk was being read
        XCTAssertFalse(cache.preload([(keys[0], 1, false)], generation: generation))
        XCTAssertEqual(cache.count, 0)
        XCTAssertTrue(cache.preload(keys.enumerated().map { ($0.element, Int64($0.offset + 1), $0.offset == 2) }, generation: cache.generation))
        XCTAssertEqual(cache.count, 10, "a preload stops when the cache is full")
        XCTAssertEqual(cache.lookup(keys[2]).account?.banned, true)
        cache.forget(users: [1, 2])
        XCTAssertNil(cache.lookup(keys[0]).account)
        XCTAssertNil(cache.lookup(keys[1]).account)
        XCTAssertEqual(cache.lookup(keys[2]).account?.user.id, 3, "other customers stay")
        XCTAssertEqual(cache.count, 8)
    }

    /// A server started on a file with customers knows them before any request: the first vote
    /// of each needs no read of its account.
    func testAccountsArePreloadedAtStartUp() throws {
        try XCTSkipIf(TestService.engine == .postgres, "other nodes change customers too: PostgreSQL's cache starts empty")
        let tokens = try (0..<3).map { try signUp("Preloaded \($0)").token }
        try service.restart()
        client = service.client()
        let deadline = Date().addingTimeInterval(10)
        while service.app.context.accounts.count < tokens.count && Date() < deadline { usleep(10_000) }
        XCTAssertEqual(service.app.context.accounts.count, tokens.count)
        for token in tokens { XCTAssertEqual(try client.get("/me", token: token).status, 200) }
    }
}

final class IdempotencyTests: ServiceTestCase {
    func testRetriesGetTheFirstResponseAndChangeNothing() throws {
        let (_, token) = try signUp()
        let body: [String: Any] = ["title": "Only once", "description": "d", "category": "c"]
        let first = try client.request("POST", "/ideas", json: body, token: token, headers: [("Idempotency-Key", "idea-1")])
        XCTAssertEqual(first.status, 201)
        let retry = try client.request("POST", "/ideas", json: body, token: token, headers: [("Idempotency-Key", "idea-1")])
        XCTAssertEqual(retry.status, 201)
        XCTAssertEqual(retry.text, first.text)
        XCTAssertEqual(retry.header("idempotent-replayed"), "true")
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM ideas"), 1)
        let different = try client.request("POST", "/ideas", json: ["title": "Something else", "description": "d", "category": "c"],
                                           token: token, headers: [("Idempotency-Key", "idea-1")])
        assertError(different, 422, "idempotency_mismatch")

        let id = first.json["id"] as! Int
        let vote = try client.request("POST", "/ideas/\(id)/votes", token: token, headers: [("Idempotency-Key", "vote-1")])
        XCTAssertEqual(vote.status, 201)
        let voteRetry = try client.request("POST", "/ideas/\(id)/votes", token: token, headers: [("Idempotency-Key", "vote-1")])
        XCTAssertEqual(voteRetry.status, 201, "a retried vote is not a second vote")
        XCTAssertEqual(voteRetry.text, vote.text)
        assertError(try client.request("POST", "/ideas/\(id)/votes", token: token, headers: [("Idempotency-Key", "vote-2")]),
                    409, "already_voted")
        // Another account may use the same key.
        let (_, other) = try signUp()
        XCTAssertEqual(try client.request("POST", "/ideas/\(id)/votes", token: other, headers: [("Idempotency-Key", "vote-1")]).json["votes"] as? Int, 2)
        // Sign-ups without a token are keyed by address; their response holds a token, which is
        // never stored, so a retry learns the sign-up happened (409) and gets no second account.
        let signup: [String: Any] = ["name": "Kim", "email": "kim@example.com"]
        let created = try client.request("POST", "/users", json: signup, headers: [("Idempotency-Key", "signup")])
        let again = try client.request("POST", "/users", json: signup, headers: [("Idempotency-Key", "signup")])
        XCTAssertEqual(created.status, 201)
        assertError(again, 409, "idempotency_replay_unavailable")
        XCTAssertNil(again.json["token"])
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM users WHERE email = 'kim@example.com'"), 1)
        assertError(try client.request("POST", "/ideas", json: body, token: token, headers: [("Idempotency-Key", String(repeating: "k", count: 300))]),
                    400, "invalid_request")
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM idempotency_keys") ?? 0, 5)
    }

    func testConcurrentRetriesRunOnce() throws {
        let (_, token) = try signUp()
        let statuses = concurrently(Array(0..<20)) { client, _ in
            try client.request("POST", "/ideas", json: ["title": "Race", "description": "d", "category": "c"],
                               token: token, headers: [("Idempotency-Key", "race")])
        }
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM ideas"), 1)
        XCTAssertTrue(statuses.allSatisfy { $0 == 201 || $0 == 409 }, "\(statuses)")
    }
}

final class RateLimitAndFraudTests: ServiceTestCase {
    let testClock = TestClock()
    override var clock: TestClock? { testClock }
    override var trustProxy: Bool { true }

    func from(_ address: String) -> [(String, String)] { [("X-Forwarded-For", "203.0.113.9, \(address)")] }

    func testSignupsPerAddressAreLimited() throws {
        for i in 0..<30 {
            let response = try client.request("POST", "/users", json: ["name": "Bot \(i)", "email": "bot\(i)@example.com"], headers: from("198.51.100.7"))
            XCTAssertEqual(response.status, 201)
        }
        let limited = try client.request("POST", "/users", json: ["name": "Bot", "email": "bot@example.com"], headers: from("198.51.100.7"))
        assertError(limited, 429, "rate_limited")
        XCTAssertEqual(limited.header("retry-after"), "121")
        XCTAssertEqual(try client.request("POST", "/users", json: ["name": "Ann", "email": "ann@example.com"], headers: from("198.51.100.8")).status, 201)
        testClock.advance(millis: 120_000)
        XCTAssertEqual(try client.request("POST", "/users", json: ["name": "Bot", "email": "bot@example.com"], headers: from("198.51.100.7")).status, 201)
    }

    /// Buckets that are full again are dropped (a missing bucket is a full one), so many
    /// customers passing by keep the map small; a busy bucket is never dropped with them, so
    /// nobody's limit starts over because others came (it used to, past 25,000 busy buckets).
    func testFullBucketsArePrunedAndBusyOnesKept() throws {
        XCTAssertEqual(try client.request("POST", "/users", json: ["name": "Bot", "email": "bot@example.com"], headers: from("198.51.100.7")).status, 201)
        for i in 1..<30 {
            _ = try client.request("POST", "/users", json: ["name": "Bot \(i)", "email": "bot\(i)@example.com"], headers: from("198.51.100.7"))
        }
        assertError(try client.request("POST", "/users", json: ["name": "Bot", "email": "bot30@example.com"], headers: from("198.51.100.7")),
                    429, "rate_limited")
        let (_, token) = try signUp()
        let idea = try XCTUnwrap(createIdea(token, title: "Passing by", description: "Many readers search once")["id"] as? Int)
        // 4,200 addresses search once each (distinct words: uncached searches take a token).
        for i in 0..<4_200 {
            let response = try client.request("GET", "/ideas?q=word\(i)", headers: from("10.\(i / 250).\(i % 250).1"))
            XCTAssertEqual(response.status, 200, response.text)
        }
        let limiter = try XCTUnwrap(service.app.rateLimits)
        XCTAssertGreaterThan(limiter.bucketCount, 4_000, "busy buckets are all kept")
        assertError(try client.request("POST", "/users", json: ["name": "Bot", "email": "bot30@example.com"], headers: from("198.51.100.7")),
                    429, "rate_limited")
        // A search bucket is full again after 1/30 s; the sign-up bucket needs 2 minutes.
        testClock.advance(millis: 5_000)
        for i in 0..<4_200 {
            if i % 100 == 0 { testClock.advance(millis: 1_000) }
            _ = try client.request("GET", "/ideas?q=other\(i)", headers: from("10.\(i / 250).\(i % 250).2"))
        }
        XCTAssertLessThan(limiter.bucketCount, 1_000, "full buckets were dropped")
        assertError(try client.request("POST", "/users", json: ["name": "Bot", "email": "bot30@example.com"], headers: from("198.51.100.7")),
                    429, "rate_limited")
        XCTAssertEqual(try client.get("/ideas/\(idea)").status, 200)
    }

    /// Replay keys go after 24 hours, address hashes after the retention period (30 days).
    func testReplayKeysAndAddressHashesExpire() throws {
        let (_, token) = try signUp()
        let idea = try createIdea(token)["id"] as! Int
        XCTAssertEqual(try client.request("POST", "/ideas/\(idea)/votes", token: token, headers: [("Idempotency-Key", "k1")]).status, 201)
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM votes WHERE addr_hash IS NOT NULL"), 1)
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM users WHERE signup_addr_hash IS NOT NULL"), 1)
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM idempotency_keys"), 1)
        testClock.advance(millis: 23 * 3_600_000)
        service.app.purgeExpiredData()
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM idempotency_keys"), 1, "kept for 24 hours")
        testClock.advance(millis: 2 * 3_600_000)
        service.app.purgeExpiredData()
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM idempotency_keys"), 0)
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM votes WHERE addr_hash IS NOT NULL"), 1, "hashes stay 30 days")
        testClock.advance(millis: 30 * 86_400_000)
        service.app.purgeExpiredData()
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM votes WHERE addr_hash IS NOT NULL"), 0)
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM users WHERE signup_addr_hash IS NOT NULL"), 0)
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM votes"), 1, "the vote itself stays")
    }

    /// The new-account finding computed with sign-up times in memory (SQLite) equals the SQL join
    /// (PostgreSQL's way): counts, order and the accounts named, with or without a round filter.
    func testNewAccountVotesInMemoryAgreeWithTheJoin() throws {
        let (_, author) = try signUp()
        let ideas = try (0..<4).map { try createIdea(author, title: "Idea number \($0)")["id"] as! Int }
        let old = try (0..<6).map { _ in try signUp() }
        testClock.advance(millis: 2 * 86_400_000)
        let new = try (0..<6).map { _ in try signUp() }
        // Idea 0: five new and one old; idea 1: three and three; idea 2: two new, four old; idea 3: four new.
        let plan: [(idea: Int, new: Int, old: Int)] = [(ideas[0], 5, 1), (ideas[1], 3, 3), (ideas[2], 2, 4), (ideas[3], 4, 0)]
        for (idea, newVoters, oldVoters) in plan {
            for account in new.prefix(newVoters) + old.prefix(oldVoters) {
                XCTAssertEqual(try client.post("/ideas/\(idea)/votes", token: account.token).status, 201)
            }
        }
        let inRound = " AND (CAST(?1 AS BIGINT) IS NULL OR v.round_id = ?1)"
        for roundID in [nil, 99] as [Int64?] {
            let (inMemory, joined) = try service.app.context.read { db in
                (try FraudStore.newAccountVotesInMemory(db, roundID: roundID, inRound: inRound, maxUser: 1_000, maxIdea: 1_000),
                 try FraudStore.newAccountVotesJoined(db, roundID: roundID, inRound: inRound))
            }
            XCTAssertEqual(inMemory.map(\.ideaID), joined.map(\.ideaID))
            XCTAssertEqual(inMemory.map(\.votes), joined.map(\.votes))
            XCTAssertEqual(inMemory.map(\.fromNew), joined.map(\.fromNew))
            XCTAssertEqual(inMemory.map { Set($0.accounts.split(separator: ",")) }, joined.map { Set($0.accounts.split(separator: ",")) })
            if roundID == nil {
                XCTAssertEqual(inMemory.map(\.ideaID), [Int64(ideas[0]), Int64(ideas[1])])
                XCTAssertEqual(inMemory.map(\.fromNew), [5, 3])
                XCTAssertEqual(inMemory.first.map { Set($0.accounts.split(separator: ",").map { Int($0)! }) }, Set(new.prefix(5).map(\.id)))
            } else {
                XCTAssertTrue(inMemory.isEmpty)
            }
        }
    }

    func testFraudReportShowsEvidenceAndVoidingFollows() throws {
        let (_, author) = try signUp()
        let target = try createIdea(author, title: "Farmed idea")["id"] as! Int
        var farm: [(id: Int, token: String)] = []
        for i in 0..<5 {
            let response = try client.request("POST", "/users", json: ["name": "Farm \(i)", "email": "farm\(i)@example.com"], headers: from("192.0.2.50"))
            farm.append((response.json["id"] as! Int, response.json["token"] as! String))
        }
        for account in farm {
            XCTAssertEqual(try client.request("POST", "/ideas/\(target)/votes", token: account.token, headers: from("192.0.2.50")).status, 201)
        }
        let report = try client.get("/admin/fraud", token: service.adminToken)
        XCTAssertEqual(report.status, 200, report.text)
        let findings = report.json["findings"] as? [[String: Any]] ?? []
        let patterns = Set(findings.compactMap { $0["pattern"] as? String })
        XCTAssertEqual(patterns, ["shared_address_votes", "signup_burst", "new_account_votes"])
        let shared = try XCTUnwrap(findings.first { $0["pattern"] as? String == "shared_address_votes" })
        XCTAssertEqual(shared["accounts"] as? [Int], farm.map(\.id))
        let evidence = try XCTUnwrap(shared["evidence"] as? [String: Any])
        XCTAssertFalse((evidence["address_hash"] as? String ?? "").contains("192.0.2.50"), "addresses are only shown as keyed hashes")
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM votes WHERE addr_hash LIKE '%192.0.2%'"), 0)

        let void = try client.post("/admin/fraud/void", ["user_ids": farm.map(\.id), "reason": "vote farm"], token: service.adminToken)
        XCTAssertEqual(void.json["voided_votes"] as? Int, 5)
        XCTAssertEqual(try client.get("/ideas/\(target)").json["votes"] as? Int, 0)
        assertError(try client.post("/admin/fraud/void", ["user_ids": [], "reason": "x"], token: service.adminToken), 400, "invalid_request")
        assertError(try client.get("/admin/fraud?round_id=77", token: service.adminToken), 404, "not_found")

        // Address hashes are forgotten after the retention period.
        testClock.advance(millis: 31 * 86_400_000)
        service.app.purgeExpiredData()
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM users WHERE signup_addr_hash IS NOT NULL"), 0)
    }
}

final class BackupTests: ServiceTestCase {
    func testOnlineBackupWhileServingThenRestore() throws {
        try XCTSkipIf(TestService.engine == .postgres, "backup and restore are SQLite's; PostgreSQL has pg_dump")
        let (_, token) = try signUp()
        for i in 0..<20 {
            let id = try createIdea(token, title: "Backed up \(i)")["id"] as! Int
            XCTAssertEqual(try client.post("/ideas/\(id)/votes", token: token).status, 201)
        }
        let backup = service.directory.appendingPathComponent("backup.sqlite").path
        let (status, output) = try TestBinary.run(["backup", "--db", service.databasePath, "--out", backup])
        XCTAssertEqual(status, 0, output)
        let restored = service.directory.appendingPathComponent("restored.sqlite").path
        let (restoreStatus, restoreOutput) = try TestBinary.run(["restore", "--from", backup, "--db", restored])
        XCTAssertEqual(restoreStatus, 0, restoreOutput)
        let original = try Connection(path: service.databasePath)
        let copy = try Connection(path: restored)
        for sql in ["SELECT COUNT(*) FROM ideas", "SELECT SUM(vote_count) FROM ideas", "SELECT COUNT(*) FROM votes", "SELECT COUNT(*) FROM users"] {
            XCTAssertEqual(try copy.scalarInt(sql), try original.scalarInt(sql), sql)
        }
        XCTAssertEqual(try TestBinary.run(["backup", "--db", service.databasePath, "--out", backup]).0, 64, "never overwrites a file")
    }
}
