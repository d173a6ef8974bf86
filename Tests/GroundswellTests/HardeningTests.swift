import JSON
import Foundation
import HTTPServer
import SQLiteStore
import TestSupport
import XCTest
@testable import Groundswell

/// Issue 12: each defect found by the black-box attack, reproduced through the real server.
final class HardeningTests: ServiceTestCase {
    // 1. Attacker-chosen methods must not become metric labels.
    func testUnknownMethodsShareOneMetricLabel() throws {
        let raw = try RawConnection(port: service.port)
        for i in 0..<50 {
            let method = "X" + String(repeating: "Q", count: 2000) + String(i)
            try raw.send("\(method) /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            _ = try raw.readResponse()
        }
        let metrics = try client.get("/metrics", token: service.adminToken)
        XCTAssertEqual(metrics.status, 200)
        XCTAssertLessThan(metrics.body.count, 20_000, "the exposition stays small")
        XCTAssertFalse(metrics.text.contains("QQQQ"))
        XCTAssertTrue(metrics.text.contains(#"method="OTHER""#), metrics.text)
        XCTAssertEqual(Histogram.escape("a\"b\\c\nd"), #"a\"b\\c\nd"#)
    }

    // 2. and 10. Merges never move votes across a round's rules; merged ideas take no writes.
    func testMergeIntoRoundEntryIsRefusedAndMergedIdeasRefuseWrites() throws {
        let clock = TestClock(Timestamp.parse("2026-06-01T12:00:00Z")!)
        service = try TestService(clock: clock)
        client = service.client()
        let day: Int64 = 86_400_000
        let at = { (offset: Int64) in Timestamp.string(clock.nowMillis() + offset) }
        let round = try client.post("/admin/rounds", [
            "name": "Daily one", "submissions_open_at": at(0), "submissions_close_at": at(day),
            "voting_opens_at": at(day), "voting_closes_at": at(3 * day), "categories": ["community"],
            "votes_per_user_per_day": 1, "mode": "tiers", "tiers": [["name": "5K", "amount": 5000, "winners": 2]],
        ], token: service.adminToken)
        XCTAssertEqual(round.status, 201, round.text)
        let roundID = round.json["id"] as! Int
        let (_, author) = try signUp("Author")
        func entry(_ title: String) throws -> Int {
            let response = try client.post("/ideas", ["title": title, "description": "d", "category": "community",
                                                      "round_id": roundID, "tier": "5K"], token: author)
            XCTAssertEqual(response.status, 201, response.text)
            return response.json["id"] as! Int
        }
        let e1 = try entry("Entry one"), e2 = try entry("Entry two")
        let plain = try createIdea(author, title: "Plain idea")["id"] as! Int
        clock.advance(millis: day + 1000)
        let (_, voter) = try signUp("Voter")
        XCTAssertEqual(try client.post("/ideas/\(e1)/votes", token: voter).status, 201)
        XCTAssertEqual(try client.post("/ideas/\(plain)/votes", token: voter).status, 201)
        assertError(try client.post("/ideas/\(e2)/votes", token: voter), 429, "vote_limit")
        assertError(try client.post("/admin/ideas/\(plain)/merge", ["into": e2], token: service.adminToken), 409, "invalid_merge")
        assertError(try client.post("/admin/ideas/\(e1)/merge", ["into": plain], token: service.adminToken), 409, "invalid_merge")
        XCTAssertEqual(try client.get("/ideas/\(e2)").json["votes"] as? Int, 0)

        // Same context merges still work, and the duplicate then refuses votes and comments.
        let other = try createIdea(author, title: "Plain duplicate")["id"] as! Int
        XCTAssertEqual(try client.post("/admin/ideas/\(other)/merge", ["into": plain], token: service.adminToken).status, 200)
        let (_, late) = try signUp("Late")
        let vote = try client.post("/ideas/\(other)/votes", token: late)
        assertError(vote, 409, "idea_merged")
        XCTAssertEqual((vote.json["error"] as? [String: Any])?["merged_into"] as? Int, plain)
        XCTAssertTrue(vote.text.contains("idea \(plain)"))
        assertError(try client.post("/ideas/\(other)/comments", ["body": "hi"], token: late), 409, "idea_merged")
        assertError(try client.request("DELETE", "/ideas/\(other)/votes", token: late), 409, "idea_merged")
    }

    // 3. Replays pass authentication; responses with credentials are never replayed.
    func testReplaysNeedAValidPrincipalAndNeverReturnSecrets() throws {
        let (id, t1) = try signUp("Rotator")
        let key = [("Idempotency-Key", "rotate-1")]
        let first = try client.request("POST", "/me/token", token: t1, headers: key)
        XCTAssertEqual(first.status, 200)
        let t2 = try XCTUnwrap(first.json["token"] as? String)
        assertError(try client.get("/me", token: t1), 401, "unauthorized")
        let replay = try client.request("POST", "/me/token", token: t1, headers: key)
        assertError(replay, 401, "unauthorized")
        XCTAssertFalse(replay.text.contains(t2))
        // The same, still valid account learns it was done, never the token again.
        let again = try client.request("POST", "/me/token", token: t2, headers: key)
        assertError(again, 409, "idempotency_replay_unavailable")
        XCTAssertFalse(again.text.contains(t2))
        let repeatRotate = try client.request("POST", "/me/token", token: t2, headers: [("Idempotency-Key", "rotate-2")])
        XCTAssertEqual(repeatRotate.status, 200)
        let t4 = try XCTUnwrap(repeatRotate.json["token"] as? String)
        let idea = try createIdea(t4)["id"] as! Int
        // Banned accounts replay nothing.
        let commentKey = [("Idempotency-Key", "comment-1")]
        XCTAssertEqual(try client.request("POST", "/ideas/\(idea)/comments", json: ["body": "x"], token: t4, headers: commentKey).status, 201)
        XCTAssertEqual(try client.post("/admin/users/\(id)/ban", token: service.adminToken).status, 200)
        assertError(try client.request("POST", "/ideas/\(idea)/comments", json: ["body": "x"], token: t4, headers: commentKey), 403, "banned")

        // Staff tokens: a replay of POST /admin/staff says it was done, without the token.
        let staffKey = [("Idempotency-Key", "staff-1")]
        let created = try client.request("POST", "/admin/staff", json: ["name": "Mo", "role": "moderator"], token: service.adminToken, headers: staffKey)
        XCTAssertEqual(created.status, 201)
        let staffToken = try XCTUnwrap(created.json["token"] as? String)
        let staffReplay = try client.request("POST", "/admin/staff", json: ["name": "Mo", "role": "moderator"], token: service.adminToken, headers: staffKey)
        assertError(staffReplay, 409, "idempotency_replay_unavailable")
        XCTAssertFalse(staffReplay.text.contains(staffToken))
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM staff WHERE name = 'Mo'"), 1)
        XCTAssertEqual(created.header("cache-control"), "no-store")

        // 5. Nothing secret and no plain address at rest.
        let rows = try service.connection().query("SELECT principal, headers, body FROM idempotency_keys") {
            $0.string(0) + $0.string(1) + String(decoding: $0.blob(2), as: UTF8.self)
        }
        XCTAssertFalse(rows.isEmpty)
        for row in rows {
            XCTAssertFalse(row.contains("gsu_") || row.contains("gsm_") || row.contains("gsa_"), row)
            XCTAssertFalse(row.contains("127.0.0"), row)
        }
    }

    // 5. The address key is not in the database, and no plain address is in its files.
    func testAddressKeyLivesOutsideTheDatabase() throws {
        XCTAssertNil(try service.scalar("SELECT 1 FROM settings WHERE key = 'address_secret'"))
        let keyPath = AddressKey.filePath(forDatabase: service.databasePath)
        let attributes = try FileManager.default.attributesOfItem(atPath: keyPath)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        let (_, token) = try signUp()
        let idea = try createIdea(token)["id"] as! Int
        XCTAssertEqual(try client.request("POST", "/users", json: ["name": "K", "email": "k@example.com"],
                                          headers: [("Idempotency-Key", "anon-1")]).status, 201)
        XCTAssertEqual(try client.post("/ideas/\(idea)/votes", token: token).status, 201)
        let before = try service.scalar("SELECT COUNT(*) FROM votes WHERE addr_hash IS NOT NULL")
        XCTAssertEqual(before, 1)
        for suffix in ["", "-wal"] {
            let bytes = (try? Data(contentsOf: URL(fileURLWithPath: service.databasePath + suffix))) ?? Data()
            XCTAssertNil(bytes.range(of: Data("127.0.0.1".utf8)), "plain address in \(suffix)")
        }
        // Rotation: a key older than the retention period is replaced.
        let key = try XCTUnwrap(try AddressKey.read(path: keyPath))
        let later = (key.createdAt ?? 0) + 31 * 86_400_000
        XCTAssertTrue(try service.app.context.addressKeys.rotateIfDue(now: later, client: service.app.context.client))
        XCTAssertNotEqual(try AddressKey.read(path: keyPath)?.bytes, key.bytes)
        XCTAssertFalse(try service.app.context.addressKeys.rotateIfDue(now: later + 1000, client: service.app.context.client))
    }

    func testLegacyKeyInSettingsMovesToTheKeyFile() throws {
        service.stop()
        let legacy = [UInt8](repeating: 7, count: 32)
        let db = try service.connection()
        try db.run("INSERT INTO settings (key, value) VALUES ('address_secret', ?)", [legacy])
        try FileManager.default.removeItem(atPath: AddressKey.filePath(forDatabase: service.databasePath))
        try service.start()
        XCTAssertNil(try service.scalar("SELECT 1 FROM settings WHERE key = 'address_secret'"))
        XCTAssertEqual(try AddressKey.read(path: AddressKey.filePath(forDatabase: service.databasePath))?.bytes, legacy)
        XCTAssertEqual(service.app.context.client.hash("192.0.2.1"), ClientAddress(trustProxy: false, key: legacy).hash("192.0.2.1"))
    }

    // 6. Erasure leaves no copy of the email or name in the database files.
    func testErasureLeavesNoCopyInTheFiles() throws {
        let email = "quoll-\(UUID().uuidString.prefix(6))@example.org"
        let name = "Zyxwvut Quoll"
        let signup = try client.post("/users", ["name": name, "email": email])
        let token = try XCTUnwrap(signup.json["token"] as? String)
        XCTAssertEqual(try client.request("PATCH", "/me", json: ["contact_opt_in": true], token: token,
                                          headers: [("Idempotency-Key", "p1")]).status, 200)
        let idea = try createIdea(token)["id"] as! Int
        XCTAssertEqual(try client.post("/ideas/\(idea)/votes", token: token).status, 201)
        XCTAssertEqual(try client.request("DELETE", "/me", token: token).status, 204)
        for suffix in ["", "-wal"] {
            let bytes = (try? Data(contentsOf: URL(fileURLWithPath: service.databasePath + suffix))) ?? Data()
            XCTAssertNil(bytes.range(of: Data(email.utf8)), "email left in the database\(suffix) file")
            XCTAssertNil(bytes.range(of: Data(email.lowercased().utf8)), "email left in the database\(suffix) file")
            XCTAssertNil(bytes.range(of: Data(name.utf8)), "name left in the database\(suffix) file")
        }
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM idempotency_keys WHERE principal LIKE 'user:%'"), 0)
    }

    // 7. One address cannot take every connection; silent connections go quickly.
    func testPerAddressConnectionCapAndFirstByteTimeout() throws {
        service.stop()
        service.serverConfiguration.maxConnectionsPerAddress = 8
        service.serverConfiguration.firstByteTimeout = 1
        try service.start()
        client = service.client()
        var held: [RawConnection] = []
        for _ in 0..<8 { held.append(try RawConnection(port: service.port, source: "127.0.0.2")) }
        // Give the loops a moment to accept them all.
        Thread.sleep(forTimeInterval: 0.2)
        let refused = try RawConnection(port: service.port, source: "127.0.0.2")
        let answer = try refused.readResponse()
        XCTAssertEqual(answer.status, 429)
        XCTAssertEqual(answer.errorCode, "too_many_connections")
        XCTAssertNotNil(answer.header("retry-after"))
        XCTAssertEqual(try TestClient(port: service.port).get("/healthz").status, 200, "other addresses are still served")
        // Silent connections are closed after the first-byte timeout, freeing the address.
        let start = Date()
        XCTAssertTrue(held[0].waitForClose())
        XCTAssertLessThan(Date().timeIntervalSince(start), 4)
        held.removeAll()
        Thread.sleep(forTimeInterval: 0.2)
        let fresh = try RawConnection(port: service.port, source: "127.0.0.2")
        try fresh.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(try fresh.readResponse().status, 200)
    }

    // 8. Bodies in flight share a global budget; beyond it, 503 with Retry-After.
    func testBufferedBodiesHaveAGlobalBudget() throws {
        service.stop()
        service.serverConfiguration.maxBufferedBytes = 1 << 20
        try service.start()
        client = service.client()
        var partial: [RawConnection] = []
        var refusals = 0
        for _ in 0..<6 {
            let connection = try RawConnection(port: service.port)
            try connection.send("POST /ideas HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 300000\r\n\r\n{\"title\":")
            partial.append(connection)
        }
        for connection in partial {
            connection.setTimeout(0.5)
            if let response = try? connection.readResponse() {
                XCTAssertEqual(response.status, 503)
                XCTAssertEqual(response.errorCode, "overloaded")
                XCTAssertEqual(response.header("retry-after"), "1")
                refusals += 1
            }
        }
        XCTAssertGreaterThanOrEqual(refusals, 3, "at most three 300 KB bodies fit in 1 MiB")
        XCTAssertEqual(try TestClient(port: service.port).get("/healthz").status, 200)
        partial.removeAll()
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertEqual(service.server.bufferedBytes, 0, "closed connections give their reservation back")
        let (_, token) = try signUp()
        XCTAssertEqual(try client.post("/ideas", ["title": "After the storm", "description": String(repeating: "d", count: 5000),
                                                  "category": "x"], token: token).status, 201)
    }

    // 9. Spellings of one word share a cache entry; uncached searches are bounded per client.
    func testSearchCacheKeyIsNormalisedAndSearchesAreLimited() throws {
        var limits = RateLimits()
        limits.searchesPerAddress = RateLimits.Bucket(capacity: 30, perSecond: 1)
        service = try TestService(rateLimits: limits, exemptLoopback: false)
        client = service.client()
        let (_, token) = try signUp()
        _ = try createIdea(token, title: "Café crème", description: "A proper café au lait")
        for spelling in ["café", "CAFÉ", "Cafe", "cafe\u{301}", "ＣＡＦＥ", "cAfÉ"] {
            let found = try client.get("/ideas?q=\(spelling.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)")
            XCTAssertEqual((found.json["items"] as? [Any])?.count, 1, spelling)
        }
        XCTAssertEqual(service.app.context.searchCache.count, 1, "every spelling hit one cache entry")
        var limited = false
        for i in 0..<60 {
            let response = try client.get("/ideas?q=word\(i)")
            if response.status == 429 {
                assertError(response, 429, "rate_limited")
                limited = true
                break
            }
        }
        XCTAssertTrue(limited, "uncached searches are rate-limited per client")
    }

    // 11. and 12. Look-alike categories are one; invisible and control text is refused.
    func testCategoriesAndSingleLineFieldsRefuseLookAlikesAndInvisibles() throws {
        let admin = service.adminToken
        XCTAssertEqual(try client.post("/admin/categories", ["name": "Café"], token: admin).status, 201)
        for lookAlike in ["Cafe\u{301}", "CAFÉ", "ＣＡＦＥ\u{301}"] {
            assertError(try client.post("/admin/categories", ["name": lookAlike], token: admin), 409, "category_exists")
        }
        for bad in ["Ca\u{200B}fé", "\u{200B}\u{200B}", "Drіnks" /* Cyrillic і */, "Tea\u{202E}", "Tea\u{85}"] {
            assertError(try client.post("/admin/categories", ["name": bad], token: admin), 400, "invalid_request", mentioning: "name")
        }
        let (_, token) = try signUp()
        let idea = try client.post("/ideas", ["title": "Iced coffee", "description": "d", "category": "ｃａｆé"], token: token)
        XCTAssertEqual(idea.status, 201, idea.text)
        XCTAssertEqual(idea.json["category"] as? String, "Café", "stored under the existing category")
        for title in ["\u{200B}\u{200B}\u{200B}", "Bad\u{85}title", "Line\u{2028}break", "evil\u{202E}txt", "\u{3164}\u{3164}\u{3164}"] {
            assertError(try client.post("/ideas", ["title": title, "description": "d", "category": "Café"], token: token),
                        400, "invalid_request", mentioning: "title")
        }
        assertError(try client.post("/users", ["name": "\u{200D}\u{200D}", "email": "zw@example.com"]), 400, "invalid_request", mentioning: "name")
        // NFC on the way in: a decomposed title is stored precomposed.
        let decomposed = try client.post("/ideas", ["title": "Cre\u{300}me bru\u{302}le\u{301}e", "description": "d", "category": "Café"], token: token)
        XCTAssertEqual(decomposed.json["title"] as? String, "Crème brûlée")
        // Multi-line fields keep line breaks but refuse bidi overrides.
        XCTAssertEqual(try client.post("/ideas", ["title": "Two lines", "description": "a\nb", "category": "Café"], token: token).status, 201)
        assertError(try client.post("/ideas", ["title": "Sneaky", "description": "a\u{202E}b", "category": "Café"], token: token),
                    400, "invalid_request", mentioning: "description")
    }

    // 13. Headers.
    func testSecurityAndProtocolHeaders() throws {
        let unauthorized = try client.get("/me")
        assertError(unauthorized, 401, "unauthorized")
        XCTAssertEqual(unauthorized.header("www-authenticate"), #"Bearer realm="groundswell""#)
        XCTAssertEqual(try client.get("/healthz").header("x-content-type-options"), "nosniff")
        let signup = try client.post("/users", ["name": "H", "email": "h@example.com"])
        XCTAssertEqual(signup.header("cache-control"), "no-store")
        let token = signup.json["token"] as! String
        XCTAssertEqual(try client.get("/me", token: token).header("cache-control"), "no-store")
        XCTAssertEqual(try client.get("/me/data", token: token).header("cache-control"), "no-store")
        XCTAssertEqual(try client.post("/me/token", token: token).header("cache-control"), "no-store")
        XCTAssertNil(try client.get("/ideas").header("cache-control"))
        let twice = try client.request("GET", "/me", headers: [("Authorization", "Bearer a"), ("Authorization", "Bearer b")])
        XCTAssertEqual(twice.status, 400)
        XCTAssertEqual(APIError.storageFailure.headers["retry-after"], "1")
        XCTAssertEqual(APIError.storageFailure.response.headers["retry-after"], "1")
    }

    // 14. Contract gaps.
    func testRoundLimitsAreStatedRight() throws {
        let body: (Any, Any) -> [String: Any] = { amount, winners in [
            "name": "Big", "submissions_open_at": "2030-01-01T00:00:00Z", "submissions_close_at": "2030-01-02T00:00:00Z",
            "voting_opens_at": "2030-01-02T00:00:00Z", "voting_closes_at": "2030-01-03T00:00:00Z",
            "votes_per_user_per_day": 1, "mode": "tiers", "tiers": [["name": "T", "amount": amount, "winners": winners]],
        ] }
        let huge = try client.post("/admin/rounds", body(Int64.max, 1), token: service.adminToken)
        assertError(huge, 400, "invalid_request", mentioning: "1000000000000")
        let many = try client.post("/admin/rounds", body(5000, 1_000_001), token: service.adminToken)
        assertError(many, 400, "invalid_request", mentioning: "100000")
        XCTAssertFalse(many.text.contains("at least 1\""))
    }

    // Per-address limits apply to loopback too, unless exempted by name.
    func testLoopbackIsRateLimitedUnlessExempt() throws {
        service = try TestService(exemptLoopback: false)
        client = service.client()
        for i in 0..<30 {
            XCTAssertEqual(try client.post("/users", ["name": "L\(i)", "email": "l\(i)@example.com"]).status, 201)
        }
        assertError(try client.post("/users", ["name": "L", "email": "l@example.com"]), 429, "rate_limited")
        XCTAssertTrue(AddressRange("127.0.0.0/8")!.contains("127.9.9.9"))
        XCTAssertFalse(AddressRange("127.0.0.0/8")!.contains("128.0.0.1"))
        XCTAssertTrue(AddressRange("2001:db8::/32")!.contains("2001:db8:1::5"))
        XCTAssertTrue(AddressRange("::1")!.contains("::1"))
        XCTAssertNil(AddressRange("300.1.1.1"))
        XCTAssertNil(AddressRange("10.0.0.0/33"))
    }

    // 4. Anonymous replays belong to the client address that --trust-proxy resolves.
    func testAnonymousReplaysDoNotCrossClients() throws {
        service = try TestService(trustProxy: true)
        client = service.client()
        func signUp(from address: String) throws -> ClientResponse {
            try client.request("POST", "/users", json: ["name": "Same", "email": "same-\(address)@example.com"],
                               headers: [("Idempotency-Key", "shared"), ("X-Forwarded-For", address)])
        }
        let a = try signUp(from: "198.51.100.1")
        XCTAssertEqual(a.status, 201)
        let b = try client.request("POST", "/users", json: ["name": "Same", "email": "same-198.51.100.1@example.com"],
                                   headers: [("Idempotency-Key", "shared"), ("X-Forwarded-For", "198.51.100.2")])
        XCTAssertNotEqual(b.json["token"] as? String, a.json["token"] as? String)
        XCTAssertNil(b.header("idempotent-replayed"))
        let rows = try service.connection().query("SELECT principal FROM idempotency_keys") { $0.string(0) }
        XCTAssertFalse(rows.contains { $0.contains("198.51.100") }, "\(rows)")
    }
}
