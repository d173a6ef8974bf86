import Synchronization
import JSON
import Foundation
import SQLiteStore
import TestSupport
import XCTest
@testable import Groundswell

final class RoundTests: ServiceTestCase {
    let testClock = TestClock(Timestamp.parse("2026-06-01T12:00:00Z")!)
    override var clock: TestClock? { testClock }
    let hour: Int64 = 3_600_000
    let day: Int64 = 86_400_000

    var admin: String { service.adminToken }

    func at(_ offset: Int64) -> String { Timestamp.string(testClock.nowMillis() + offset) }

    /// A round whose submissions open now for a day, then voting for two days.
    func roundBody(_ overrides: [String: Any] = [:]) -> [String: Any] {
        var body: [String: Any] = [
            "name": "Spring grants",
            "submissions_open_at": at(0), "submissions_close_at": at(day),
            "voting_opens_at": at(day), "voting_closes_at": at(3 * day),
            "categories": ["community", "green"], "votes_per_user_per_day": 3,
            "mode": "tiers",
            "tiers": [["name": "5K", "amount": 5000, "winners": 2], ["name": "25K", "amount": 25000, "winners": 1]],
        ]
        for (key, value) in overrides { body[key] = value }
        return body
    }

    func createRound(_ overrides: [String: Any] = [:], file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        let response = try client.post("/admin/rounds", roundBody(overrides), token: admin)
        XCTAssertEqual(response.status, 201, response.text, file: file, line: line)
        return response.json["id"] as? Int ?? -1
    }

    func enter(_ token: String, round: Int, tier: String? = "5K", amount: Int? = nil, category: String = "community",
               title: String = "Community garden") throws -> ClientResponse {
        var body: [String: Any] = ["title": title, "description": "Grow food together.", "category": category, "round_id": round]
        if let tier { body["tier"] = tier }
        if let amount { body["requested_amount"] = amount }
        return try client.post("/ideas", body, token: token)
    }

    func fetchRound(_ id: Int) throws -> [String: Any] { try client.get("/rounds/\(id)").json }

    func testCreateRoundAndItsStatesFollowTheClock() throws {
        let id = try createRound(["submissions_open_at": at(hour)])
        var round = try fetchRound(id)
        XCTAssertEqual(round["state"] as? String, "upcoming")
        XCTAssertEqual(round["mode"] as? String, "tiers")
        XCTAssertEqual(round["currency"] as? String, "USD")
        XCTAssertEqual(round["timezone"] as? String, "UTC")
        XCTAssertEqual(round["votes_per_user_per_day"] as? Int, 3)
        XCTAssertEqual((round["tiers"] as? [[String: Any]])?.map { $0["name"] as? String }, ["5K", "25K"])
        XCTAssertEqual(round["entry_count"] as? Int, 0)
        XCTAssertEqual(round["seconds_left"] as? Int, 3 * 86_400)
        testClock.advance(millis: hour)
        XCTAssertEqual(try fetchRound(id)["state"] as? String, "submissions")
        testClock.advance(millis: day)
        XCTAssertEqual(try fetchRound(id)["state"] as? String, "voting")
        testClock.advance(millis: 2 * day)
        round = try fetchRound(id)
        XCTAssertEqual(round["state"] as? String, "closed")
        XCTAssertEqual(round["seconds_left"] as? Int, 0)
        XCTAssertNotNil(round["closed_at"] as? String, "a round whose time has passed is closed on first look")
        XCTAssertEqual((try client.get("/rounds?state=closed").json["items"] as? [[String: Any]])?.count, 1)
        XCTAssertEqual((try client.get("/rounds?state=voting").json["items"] as? [[String: Any]])?.count, 0)
        assertError(try client.get("/rounds?state=later"), 400, "invalid_request", mentioning: "state")
        assertError(try client.get("/rounds/999"), 404, "not_found")
    }

    func testInvalidRoundsAreRejectedNamingTheField() throws {
        let cases: [([String: Any], String)] = [
            (["submissions_close_at": at(-hour)], "submissions_close_at"),
            (["voting_closes_at": at(day - hour)], "voting_closes_at"),
            (["voting_opens_at": "tomorrow"], "voting_opens_at"),
            (["tiers": []], "tiers"),
            (["tiers": [["name": "5K", "amount": -5, "winners": 1]]], "amount"),
            (["tiers": [["name": "5K", "amount": 5000, "winners": 0]]], "winners"),
            (["tiers": [["name": "5K", "amount": 5000, "winners": 1], ["name": "5K", "amount": 1, "winners": 1]]], "name"),
            (["mode": "raffle"], "mode"),
            (["mode": "budget"], "budget"),
            (["mode": "budget", "budget": -10], "budget"),
            (["timezone": "Mars/Olympus"], "timezone"),
            (["currency": "dollars"], "currency"),
            (["votes_per_user_per_day": 0], "votes_per_user_per_day"),
            (["max_ideas": 0], "max_ideas"),
            (["entry_selection": "lottery"], "max_ideas"),
            (["name": ""], "name"),
        ]
        for (override, field) in cases {
            assertError(try client.post("/admin/rounds", roundBody(override), token: admin), 400, "invalid_request", mentioning: field)
        }
        assertError(try client.post("/admin/rounds", roundBody()), 401, "unauthorized")
        let customer = try signUp().token
        assertError(try client.post("/admin/rounds", roundBody(), token: customer), 403, "forbidden")
        // Windows in the past are fine (imports).
        XCTAssertEqual(try client.post("/admin/rounds", roundBody(["submissions_open_at": at(-10 * day), "submissions_close_at": at(-9 * day),
                                                                   "voting_opens_at": at(-9 * day), "voting_closes_at": at(-8 * day)]),
                                       token: admin).status, 201)
    }

    func testEntryRules() throws {
        let id = try createRound(["max_ideas": 3])
        let token = try signUp().token
        let entered = try enter(token, round: id)
        XCTAssertEqual(entered.status, 201, entered.text)
        XCTAssertEqual(entered.json["round_id"] as? Int, id)
        XCTAssertEqual(entered.json["tier"] as? String, "5K")
        XCTAssertTrue(entered.json["award"] is NSNull)
        assertError(try enter(token, round: id, category: "food"), 400, "invalid_request", mentioning: "category")
        assertError(try enter(token, round: id, tier: nil), 400, "invalid_request", mentioning: "tier")
        assertError(try enter(token, round: id, tier: "1M"), 400, "invalid_request", mentioning: "tier")
        assertError(try enter(token, round: 999), 404, "not_found")
        assertError(try client.post("/ideas", ["title": "Tier alone", "description": "d", "category": "c", "tier": "5K"], token: token),
                    400, "invalid_request", mentioning: "round_id")
        testClock.advance(millis: day)
        assertError(try enter(token, round: id), 409, "round_not_open")
    }

    func testEntryCapHoldsUnderConcurrentSubmissions() throws {
        let id = try createRound(["max_ideas": 5])
        let tokens = try (0..<20).map { _ in try signUp().token }
        let codes = ConcurrentResults()
        let statuses = concurrently(tokens) { client, token in
            let body: [String: Any] = ["title": "Entry", "description": "d", "category": "green", "round_id": id, "tier": "25K"]
            let response = try client.post("/ideas", body, token: token)
            if response.status == 409 { codes.add(response.errorCode == "round_full" ? 1 : 0) }
            return response
        }
        XCTAssertEqual(statuses.filter { $0 == 201 }.count, 5)
        XCTAssertEqual(statuses.filter { $0 == 409 }.count, 15)
        XCTAssertEqual(codes.statuses, Array(repeating: 1, count: 15), "every refusal is round_full")
        XCTAssertEqual(try fetchRound(id)["entry_count"] as? Int, 5)
    }

    func testDailyAllowanceAndOncePerDayPerIdea() throws {
        let id = try createRound(["timezone": "America/New_York"])
        let author = try signUp().token
        let ideas = try (0..<5).map { i in try enter(author, round: id, title: "Idea \(i)").json["id"] as! Int }
        let voter = try signUp().token
        assertError(try client.post("/ideas/\(ideas[0])/votes", token: voter), 409, "round_not_open")
        testClock.set(Timestamp.parse("2026-06-02T14:00:00Z")!)  // voting open; 10:00 in New York
        for idea in ideas.prefix(3) { XCTAssertEqual(try client.post("/ideas/\(idea)/votes", token: voter).status, 201) }
        assertError(try client.post("/ideas/\(ideas[0])/votes", token: voter), 409, "already_voted")
        let limited = try client.post("/ideas/\(ideas[3])/votes", token: voter)
        assertError(limited, 429, "vote_limit")
        XCTAssertEqual(limited.header("retry-after"), String(14 * 3600), "seconds to the next midnight in New York")
        // Retracting today's vote gives the allowance back.
        XCTAssertEqual(try client.request("DELETE", "/ideas/\(ideas[2])/votes", token: voter).status, 200)
        XCTAssertEqual(try client.post("/ideas/\(ideas[3])/votes", token: voter).status, 201)
        testClock.set(Timestamp.parse("2026-06-03T04:00:01Z")!)  // just after midnight in New York
        let again = try client.post("/ideas/\(ideas[0])/votes", token: voter)
        XCTAssertEqual(again.status, 201)
        XCTAssertEqual(again.json["votes"] as? Int, 2)
        XCTAssertEqual(try fetchRound(id)["vote_count"] as? Int, 4)
    }

    func testAllowanceHoldsUnderConcurrentVotesFromOnePerson() throws {
        let id = try createRound()
        let author = try signUp().token
        let ideas = try (0..<10).map { i in try enter(author, round: id, title: "Idea \(i)").json["id"] as! Int }
        let voter = try signUp().token
        testClock.advance(millis: day + hour)
        let statuses = concurrently(ideas + ideas) { client, idea in try client.post("/ideas/\(idea)/votes", token: voter) }
        XCTAssertEqual(statuses.filter { $0 == 201 }.count, 3)
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM votes"), 3)
    }

    func testClosingAwardsTopIdeasPerTierWithTiesToTheEarlierCount() throws {
        let id = try createRound()
        let author = try signUp().token
        let a = try enter(author, round: id, title: "Alpha").json["id"] as! Int
        let b = try enter(author, round: id, title: "Bravo").json["id"] as! Int
        let c = try enter(author, round: id, title: "Charlie").json["id"] as! Int
        let big = try enter(author, round: id, tier: "25K", title: "Big one").json["id"] as! Int
        let hidden = try enter(author, round: id, title: "Disqualified").json["id"] as! Int
        let voters = try (0..<4).map { _ in try signUp().token }
        testClock.advance(millis: day + hour)
        // b reaches 2 votes before a does; c gets 1; the disqualified idea gets the most.
        for (idea, voter) in [(b, 0), (b, 1), (a, 0), (a, 1), (c, 2), (hidden, 0), (hidden, 1), (hidden, 2), (big, 3)] {
            testClock.advance(millis: 1000)
            XCTAssertEqual(try client.post("/ideas/\(idea)/votes", token: voters[voter]).status, 201)
        }
        XCTAssertEqual(try client.post("/admin/ideas/\(hidden)/disqualify", ["reason": "bought votes"], token: admin).status, 200)
        let preview = try client.get("/admin/rounds/\(id)/preview", token: admin)
        XCTAssertEqual(preview.json["final"] as? Bool, false)
        let board = try client.get("/rounds/\(id)/leaderboard?tier=5K")
        XCTAssertEqual((board.json["items"] as? [[String: Any]])?.map { $0["idea_id"] as? Int }, [b, a, c])
        assertError(try client.get("/rounds/\(id)/leaderboard?tier=nope"), 400, "invalid_request", mentioning: "tier")
        assertError(try client.get("/rounds/\(id)/results.csv"), 409, "round_not_closed")

        let closed = try client.post("/admin/rounds/\(id)/close", token: admin)
        XCTAssertEqual(closed.status, 200, closed.text)
        let awards = try XCTUnwrap(closed.json["awards"] as? [[String: Any]])
        XCTAssertEqual(awards.map { $0["idea_id"] as? Int }, [b, a, big])
        XCTAssertEqual(awards.map { $0["amount"] as? Int }, [5000, 5000, 25000])
        XCTAssertEqual(awards.map { $0["rank"] as? Int }, [1, 2, 1])
        XCTAssertEqual(awards.map { $0["tier"] as? String }, ["5K", "5K", "25K"])
        for key in ["id", "round_id", "tier", "idea_id", "amount", "rank", "awarded_at"] { XCTAssertNotNil(awards[0][key], key) }
        // The preview said the same thing closing did.
        let previewWinners = (preview.json["entries"] as? [[String: Any]])?.filter { $0["won"] as? Bool == true }.map { $0["idea_id"] as? Int }
        XCTAssertEqual(previewWinners, [b, a, big])

        // Closing again returns the same awards; nothing changes after close.
        let again = try client.post("/admin/rounds/\(id)/close", token: admin)
        XCTAssertEqual((again.json["awards"] as? [[String: Any]])?.map { $0["id"] as? Int }, awards.map { $0["id"] as? Int })
        assertError(try client.post("/ideas/\(c)/votes", token: voters[3]), 409, "round_closed")
        assertError(try client.request("PATCH", "/admin/rounds/\(id)", json: ["name": "Renamed"], token: admin), 409, "round_closed")
        assertError(try client.post("/admin/ideas/\(c)/disqualify", ["reason": "late"], token: admin), 409, "round_closed")

        let idea = try client.get("/ideas/\(b)").json
        XCTAssertEqual((idea["award"] as? [String: Any])?["amount"] as? Int, 5000)
        let tally = try client.get("/rounds/\(id)/tally").json
        XCTAssertEqual(tally["final"] as? Bool, true)
        let entries = try XCTUnwrap(tally["entries"] as? [[String: Any]])
        XCTAssertEqual(entries.count, 5)
        let disqualified = try XCTUnwrap(entries.first { $0["idea_id"] as? Int == hidden })
        XCTAssertEqual(disqualified["eligible"] as? Bool, false)
        XCTAssertEqual(disqualified["votes"] as? Int, 3)
        XCTAssertTrue(disqualified["rank"] is NSNull)
        let csv = try client.get("/rounds/\(id)/results.csv")
        XCTAssertEqual(csv.status, 200)
        XCTAssertEqual(csv.header("content-type"), "text/csv; charset=utf-8")
        XCTAssertTrue(csv.text.hasPrefix("rank,tier,idea_id,title,votes"))
        XCTAssertEqual(csv.text.split(separator: "\r\n").count, 6)

        XCTAssertEqual((try client.get("/awards?round_id=\(id)").json["items"] as? [Any])?.count, 3)
        XCTAssertEqual((try client.get("/awards?idea_id=\(big)").json["items"] as? [Any])?.count, 1)
        XCTAssertEqual((try client.get("/awards?user_id=999").json["items"] as? [Any])?.count, 0)
        assertError(try client.get("/awards?round_id=abc"), 400, "invalid_request", mentioning: "round_id")
    }

    /// A close writes its results, notices and carry-overs in bulk writes (on PostgreSQL,
    /// pipelines of 1,000): a round with more entries than one of them gets a result for every
    /// entry, a notice for every entry whose author still has an account, and every non-winner
    /// moved to the next round.
    func testClosingMoreEntriesThanOneBulkWriteRecordsTellsAndMovesEveryOne() throws {
        let next = try createRound(["name": "Next", "submissions_open_at": at(4 * day), "submissions_close_at": at(5 * day),
                                    "voting_opens_at": at(4 * day), "voting_closes_at": at(6 * day)])
        let id = try createRound(["carry_over": true, "next_round_id": next])
        let authors = try (0..<4).map { _ in try signUp() }
        let count = RoundStore.closeBatch + 7
        var ideas: [Int] = []
        for index in 0..<count {
            let response = try enter(authors[index % authors.count].token, round: id, title: "Entry \(index)")
            XCTAssertEqual(response.status, 201, response.text)
            ideas.append(response.json["id"] as? Int ?? -1)
        }
        testClock.advance(millis: day + hour)
        let voters = try (0..<3).map { _ in try signUp().token }
        for (voter, idea) in [(0, ideas[count - 1]), (1, ideas[count - 1]), (2, ideas[500])] {
            XCTAssertEqual(try client.post("/ideas/\(idea)/votes", token: voters[voter]).status, 201)
        }
        // An erased author's entries stay in the round; nobody is left to tell.
        XCTAssertEqual(try client.request("DELETE", "/me", token: authors[3].token).status, 204)

        // Entering told each author once already ("entered"); the close tells them once more.
        func notices() throws -> [(Int64, Int64)] {
            try service.app.context.database.read { db in
                try db.query("SELECT user_id, COUNT(*) FROM notifications WHERE kind = 'round_result' GROUP BY user_id ORDER BY user_id") {
                    ($0.int64(0), $0.int64(1))
                }
            }
        }
        let before = try notices()
        let closed = try client.post("/admin/rounds/\(id)/close", token: admin)
        XCTAssertEqual(closed.status, 200, closed.text)
        XCTAssertEqual((closed.json["awards"] as? [[String: Any]])?.map { $0["idea_id"] as? Int }, [ideas[count - 1], ideas[500]])
        let tally = try client.get("/rounds/\(id)/tally").json
        let entries = try XCTUnwrap(tally["entries"] as? [[String: Any]])
        XCTAssertEqual(Set(entries.compactMap { $0["idea_id"] as? Int }), Set(ideas))
        let after = try notices()
        let told = (0..<3).map { author in (Int64(authors[author].id), Int64((0..<count).filter { $0 % authors.count == author }.count)) }
        XCTAssertEqual(after.map(\.0), told.map(\.0))
        XCTAssertEqual(before.map(\.0), told.map(\.0))
        XCTAssertEqual(zip(after, before).map { $0.1 - $1.1 }, told.map(\.1))
        let moved = try service.app.context.database.read { db in
            try db.scalarInt("SELECT COUNT(*) FROM ideas WHERE round_id = ? AND entry_state = 'entered' AND vote_count = 0", [next])
        }
        XCTAssertEqual(moved, Int64(count - 2))
        XCTAssertEqual(try fetchRound(next)["entry_count"] as? Int, count - 2)
        XCTAssertEqual(try fetchRound(id)["entry_count"] as? Int, 2)
        // The closed round's page: its final ranking and its tally, each cut at `RoundPages.shownEntries`.
        let page = try client.request("GET", "/rounds/\(id)", headers: [("Accept", "text/html"), ("Accept-Language", "ko")])
        XCTAssertEqual(page.text.components(separatedBy: "전체 \(count)개 중 상위 \(RoundPages.shownEntries)개를 표시합니다.").count - 1, 2)
        XCTAssertTrue(page.text.contains("href=\"/rounds/\(id)/results.csv\""))
        XCTAssertEqual(try client.get("/ideas/\(ideas[0])").json["round_id"] as? Int, next)
        let first = try client.get("/me/notifications?limit=1", token: authors[0].token).json
        let data = try XCTUnwrap(((first["items"] as? [[String: Any]])?.first)?["data"] as? [String: Any])
        XCTAssertEqual(data["round_id"] as? Int, id)
        XCTAssertEqual(data["outcome"] as? String, "not_won")
        XCTAssertEqual(data["currency"] as? String, "USD")
    }

    /// A round's per-entry reads (leaderboard, tally, its page) leave the event loop once it has
    /// more than `RoundRoutes.backgroundEntries`: while the search thread is busy they wait there,
    /// and the loop answers the rest, the round itself included.
    /// A round with more entries than the event loop ranks itself, entered in one transaction.
    func makeLargeRound(entries: Int = Int(RoundRoutes.backgroundEntries) + 1, titled prefix: String = "Entry") throws -> (id: Int, entries: Int) {
        let id = try createRound()
        let author = try signUp()
        let now = testClock.nowMillis()
        try service.app.context.database.writer.sync { db in
            for n in 0..<entries {
                try db.run("""
                    INSERT INTO ideas (author_id, title, description, category, created_at, round_id, tier, entry_state)
                    VALUES (?, ?, 'd', 'community', ?, ?, '5K', 'entered')
                    """, [Int64(author.id), "\(prefix) \(n)", now, Int64(id)])
            }
        }
        XCTAssertEqual(try fetchRound(id)["entry_count"] as? Int, entries)
        return (id, entries)
    }

    /// A reader slower than the round's states (each a whole leaderboard, here ~2.5 MB) gets
    /// whole states and ends on the newest; the states it could not take in time are dropped
    /// unsent (and counted), not queued behind it, and its stream stays open.
    func testASlowReaderOfALargeRoundGetsWholeStatesEndingWithTheNewest() throws {
        try XCTSkipIf(TestService.engine == .postgres, "how states wait for a reader is the HTTP server's, on either engine")
        let (id, entries) = try makeLargeRound(entries: 12_000, titled: String(repeating: "A long title for a big state ", count: 3))
        let slow = try LiveEventsTests.EventReader(port: service.port, path: "/rounds/\(id)/events")
        var receive: Int32 = 256 * 1024   // a fixed window: the kernel does not grow it for a reader that waits
        XCTAssertEqual(setsockopt(slow.connection.fd, SOL_SOCKET, SO_RCVBUF, &receive, socklen_t(MemoryLayout<Int32>.size)), 0)
        func superseded() throws -> Int {
            let metrics = try client.get("/metrics", token: admin).text
            let line = metrics.split(separator: "\n").first { $0.hasPrefix("groundswell_event_states_superseded_total ") }
            return line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? -1
        }
        XCTAssertEqual(try superseded(), 0)
        var marked = 0
        let flood = Date().addingTimeInterval(20)
        while try superseded() < 1 && Date() < flood {   // a state a pass, read by nobody
            service.app.context.live.changed(.round(Int64(id)))
            marked += 1
            Thread.sleep(forTimeInterval: 0.3)
        }
        XCTAssertGreaterThanOrEqual(try superseded(), 1)
        // The newest state's id, as a new stream is sent it.
        let fresh = try LiveEventsTests.EventReader(port: service.port, path: "/rounds/\(id)/events")
        let newest = try XCTUnwrap(fresh.firstID(within: 10))
        // Read it all now (as bytes: parsing the text again after every read would be quadratic).
        var bytes: [UInt8] = []
        let end = Array("id: \(newest)\n".utf8)
        let deadline = Date().addingTimeInterval(20)
        slow.connection.setTimeout(0.2)
        var found: Int?   // where the newest state starts
        while Date() < deadline {
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let n = read(slow.connection.fd, &chunk, chunk.count)
            if n > 0 { bytes += chunk[0..<n] } else if n == 0 { break }
            if found == nil { found = bytes[max(0, bytes.count - n - end.count)...].firstRange(of: end)?.lowerBound }
            if let found, bytes.last == 0x0A, bytes[found...].firstRange(of: Array("\n\n".utf8)) != nil { break }
        }
        slow.buffer = String(decoding: bytes, as: UTF8.self)
        let events = slow.parsed()
        XCTAssertEqual(events.last?.id, newest, "the slow reader ends on the newest state")
        XCTAssertLessThan(events.count, marked, "states in between were dropped, not queued")
        let ids = events.compactMap { $0.id.flatMap(UInt64.init) }
        XCTAssertEqual(ids.count, events.count)
        XCTAssertEqual(ids, ids.sorted(), "in order")
        for event in events {
            let items = (LiveEventsTests.object(event.data)["leaderboard"] as? [String: Any])?["items"] as? [Any]
            XCTAssertEqual(items?.count, entries, "every state arrives whole")
        }
    }

    func testLargeRoundsRankOffTheEventLoop() throws {
        let (id, entries) = try makeLargeRound()
        let release = occupy { service.app.context.backgroundReads.submit($0) }
        let port = service.port
        let answers = Mutex<[String: (Int, Int)]>([:])
        let done = DispatchGroup()
        for path in ["/rounds/\(id)/leaderboard", "/rounds/\(id)/tally"] {
            DispatchQueue.global().async(group: done) {
                let response = try? TestClient(port: port).get(path)
                let items = (response?.json["items"] as? [Any] ?? response?.json["entries"] as? [Any])?.count ?? -1
                answers.withLock { $0[path] = (response?.status ?? -1, items) }
            }
        }
        // Its event stream's first state (the whole leaderboard) is the events thread's read.
        let stream = try LiveEventsTests.EventReader(port: port, path: "/rounds/\(id)/events")
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertEqual(try fetchRound(id)["entry_count"] as? Int, entries, "the round itself is answered by the loop")
        XCTAssertEqual(answers.withLock { $0.count }, 0, "the per-entry reads wait for the search thread")
        let first = stream.events(within: 10, enough: 1).first
        XCTAssertEqual(first?.event, "leaderboard")
        let live = LiveEventsTests.object(first?.data ?? "")
        XCTAssertEqual(((live["leaderboard"] as? [String: Any])?["items"] as? [Any])?.count, entries)
        release()
        XCTAssertEqual(done.wait(timeout: .now() + 30), .success)
        let got = answers.withLock { $0 }
        XCTAssertEqual(got["/rounds/\(id)/leaderboard"]?.0, 200)
        XCTAssertEqual(got["/rounds/\(id)/leaderboard"]?.1, entries)
        XCTAssertEqual(got["/rounds/\(id)/tally"]?.0, 200)
        XCTAssertEqual(got["/rounds/\(id)/tally"]?.1, entries)
        // Its page lists the top `RoundPages.shownEntries` and links to the whole ranking.
        let page = try client.request("GET", "/rounds/\(id)", headers: [("Accept", "text/html")])
        XCTAssertEqual(page.status, 200)
        XCTAssertEqual(page.text.components(separatedBy: "data-vote-count=").count - 1, RoundPages.shownEntries)
        XCTAssertTrue(page.text.contains("The top \(RoundPages.shownEntries) of \(entries) entries are shown."))
        XCTAssertTrue(page.text.contains("href=\"/rounds/\(id)/leaderboard\""))
    }

    func testBudgetModeFundsWhatFits() throws {
        let id = try createRound(["mode": "budget", "budget": 100, "tiers": NSNull(), "votes_per_user_per_day": 10])
        let author = try signUp().token
        let amounts = [60, 50, 30, 20]
        let ideas = try amounts.map { try enter(author, round: id, tier: nil, amount: $0).json["id"] as! Int }
        assertError(try enter(author, round: id, tier: nil, amount: 150), 400, "invalid_request", mentioning: "requested_amount")
        assertError(try enter(author, round: id, tier: nil), 400, "invalid_request", mentioning: "requested_amount")
        let voters = try (0..<4).map { _ in try signUp().token }
        testClock.advance(millis: day + hour)
        for (index, idea) in ideas.enumerated() {
            for voter in voters.prefix(4 - index) { XCTAssertEqual(try client.post("/ideas/\(idea)/votes", token: voter).status, 201) }
        }
        testClock.advance(millis: 3 * day)
        let awards = try client.get("/rounds/\(id)/awards").json["items"] as? [[String: Any]] ?? []
        XCTAssertEqual(awards.map { $0["idea_id"] as? Int }, [ideas[0], ideas[2]])
        XCTAssertEqual(awards.map { $0["amount"] as? Int }, [60, 30])
        XCTAssertTrue(awards.allSatisfy { $0["tier"] is NSNull })
    }

    func testRoundsCloseByThemselvesAfterARestart() throws {
        let id = try createRound()
        let author = try signUp().token
        let idea = try enter(author, round: id).json["id"] as! Int
        testClock.advance(millis: day + hour)
        XCTAssertEqual(try client.post("/ideas/\(idea)/votes", token: author).status, 201)
        service.stop()
        testClock.advance(millis: 5 * day)  // the server was down when voting ended
        try service.start()
        client = service.client()
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM awards WHERE round_id = ?", [id]), 1)
        XCTAssertNotNil(try service.scalar("SELECT closed_at FROM rounds WHERE id = ?", [id]))
    }

    func testChangesAfterVotingOpensOnlyExtendTheEnd() throws {
        let id = try createRound()
        let renamed = try client.request("PATCH", "/admin/rounds/\(id)", json: ["name": "Summer grants", "votes_per_user_per_day": 5], token: admin)
        XCTAssertEqual(renamed.status, 200, renamed.text)
        XCTAssertEqual(renamed.json["name"] as? String, "Summer grants")
        assertError(try client.request("PATCH", "/admin/rounds/\(id)", json: ["voting_closes_at": at(-hour)], token: admin), 400, "invalid_request")
        testClock.advance(millis: day + hour)
        assertError(try client.request("PATCH", "/admin/rounds/\(id)", json: ["name": "Late"], token: admin), 409, "round_locked")
        assertError(try client.request("PATCH", "/admin/rounds/\(id)", json: ["voting_closes_at": at(hour)], token: admin), 409, "round_locked")
        let extended = try client.request("PATCH", "/admin/rounds/\(id)", json: ["voting_closes_at": at(5 * day)], token: admin)
        XCTAssertEqual(extended.status, 200, extended.text)
        XCTAssertEqual(extended.json["voting_closes_at"] as? String, at(5 * day))
    }

    func testLotteryDrawIsPublishedAndReproducible() throws {
        let id = try createRound(["entry_selection": "lottery", "max_ideas": 2])
        let created = try fetchRound(id)
        let lottery = try XCTUnwrap(created["lottery"] as? [String: Any])
        let commitment = try XCTUnwrap(lottery["seed_sha256"] as? String)
        XCTAssertTrue(lottery["seed"] is NSNull, "the seed stays secret until the draw")
        let author = try signUp().token
        let ideas = try (0..<5).map { i -> Int in
            let response = try enter(author, round: id, title: "Entry \(i)")
            XCTAssertEqual(response.json["entry"] as? String, "pending")
            return response.json["id"] as! Int
        }
        testClock.advance(millis: day)
        service.app.runScheduledWork()
        let drawn = try XCTUnwrap(try fetchRound(id)["lottery"] as? [String: Any])
        let seed = try XCTUnwrap(drawn["seed"] as? String)
        XCTAssertEqual(RoundStore.seedHash(seed), commitment)
        let expected = Set(ideas.sorted { RoundStore.lotteryKey(seed: seed, ideaID: Int64($0)) < RoundStore.lotteryKey(seed: seed, ideaID: Int64($1)) }.prefix(2))
        let entered = Set(try ideas.filter { try client.get("/ideas/\($0)").json["entry"] as? String == "entered" })
        XCTAssertEqual(entered, expected)
        XCTAssertEqual(try fetchRound(id)["entry_count"] as? Int, 2)
        let loser = try XCTUnwrap(ideas.first { !expected.contains($0) })
        testClock.advance(millis: hour)
        assertError(try client.post("/ideas/\(loser)/votes", token: author), 409, "not_eligible")
    }

    func testCarryOverMovesNonWinnersWithVotesStartingAtZero() throws {
        let next = try createRound(["name": "Next", "submissions_open_at": at(4 * day), "submissions_close_at": at(5 * day),
                                    "voting_opens_at": at(4 * day), "voting_closes_at": at(6 * day)])
        let id = try createRound(["carry_over": true, "next_round_id": next,
                                  "tiers": [["name": "5K", "amount": 5000, "winners": 1]]])
        let author = try signUp().token
        let winner = try enter(author, round: id, title: "Winner").json["id"] as! Int
        let runnerUp = try enter(author, round: id, title: "Runner-up").json["id"] as! Int
        testClock.advance(millis: day + hour)
        let voters = try (0..<2).map { _ in try signUp().token }
        for voter in voters { XCTAssertEqual(try client.post("/ideas/\(winner)/votes", token: voter).status, 201) }
        XCTAssertEqual(try client.post("/ideas/\(runnerUp)/votes", token: voters[0]).status, 201)
        XCTAssertEqual(try client.post("/admin/rounds/\(id)/close", token: admin).status, 200)
        let moved = try client.get("/ideas/\(runnerUp)").json
        XCTAssertEqual(moved["round_id"] as? Int, next)
        XCTAssertEqual(moved["votes"] as? Int, 0)
        XCTAssertEqual(try client.get("/ideas/\(winner)").json["round_id"] as? Int, id)
        XCTAssertEqual(try fetchRound(id)["entry_count"] as? Int, 1)
        XCTAssertEqual(try fetchRound(next)["entry_count"] as? Int, 1)
        // The closed round's tally still shows the runner-up's votes there.
        let entries = try client.get("/rounds/\(id)/tally").json["entries"] as? [[String: Any]] ?? []
        XCTAssertEqual(entries.first { $0["idea_id"] as? Int == runnerUp }?["votes"] as? Int, 1)
    }

    /// The round page (issue 15): rules and live leaderboard while voting; after the close, the
    /// awards and the published tally, with the entries' titles.
    func testRoundPageShowsTheLeaderboardThenTheAwardsAndTally() throws {
        let id = try createRound(["voting_opens_at": at(0)])
        let (_, author) = try signUp("Author")
        let garden = try enter(author, round: id, title: "Community <garden>").json["id"] as! Int
        _ = try enter(author, round: id, title: "Bike repair cafe")
        let (_, voter) = try signUp("Voter")
        XCTAssertEqual(try client.post("/ideas/\(garden)/votes", token: voter).status, 201)
        let html = [("Accept", "text/html")]
        let live = try client.request("GET", "/rounds/\(id)", headers: html)
        XCTAssertEqual(live.status, 200)
        XCTAssertTrue(live.text.contains("Spring grants"))
        XCTAssertTrue(live.text.contains("Community &lt;garden&gt;"))
        XCTAssertTrue(live.text.contains("USD 5,000"))
        XCTAssertTrue(live.text.contains(Message.leaderboardLive.text(.en)))
        XCTAssertFalse(live.text.contains(Message.awards.text(.en)))
        XCTAssertEqual(try client.post("/admin/rounds/\(id)/close", token: admin).status, 200)
        let closed = try client.request("GET", "/rounds/\(id)", headers: html + [("Accept-Language", "ko")])
        XCTAssertTrue(closed.text.contains(Message.awards.text(.ko)))
        XCTAssertTrue(closed.text.contains(Message.tally.text(.ko)))
        XCTAssertTrue(closed.text.contains("/rounds/\(id)/results.csv"))
        XCTAssertTrue(closed.text.contains(Message.leaderboardFinal.text(.ko)))
        let list = try client.request("GET", "/rounds", headers: html)
        XCTAssertTrue(list.text.contains("/rounds/\(id)"))
        XCTAssertEqual(try client.request("GET", "/rounds/999", headers: html).status, 404)
        XCTAssertEqual(try client.request("GET", "/rounds/abc", headers: html).header("Content-Type"), "text/html; charset=utf-8")
    }
}
