import Foundation
import JSON
import TestSupport
import XCTest
@testable import Groundswell

/// Server-sent events on our own server: live counts, coalescing, resume, caps, the close.
final class LiveEventsTests: ServiceTestCase {
    /// Reads events from a raw connection until `deadline` seconds pass or `until` is satisfied.
    final class EventReader {
        let connection: RawConnection
        var buffer = ""
        var head = ""

        init(port: Int, path: String, headers: [(String, String)] = []) throws {
            connection = try RawConnection(port: port)
            var request = "GET \(path) HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n"
            for (name, value) in headers { request += "\(name): \(value)\r\n" }
            try connection.send(request + "\r\n")
        }

        /// Events seen within `seconds` (stops early once `enough` events have arrived).
        func events(within seconds: Double, enough: Int = .max) -> [(id: String?, event: String?, data: String)] {
            let deadline = Date().addingTimeInterval(seconds)
            connection.setTimeout(0.1)
            while Date() < deadline {
                var chunk = [UInt8](repeating: 0, count: 65536)
                let n = read(connection.fd, &chunk, chunk.count)
                if n > 0 { buffer += String(decoding: chunk[0..<n], as: UTF8.self) } else if n == 0 { break }
                if parsed().count >= enough { break }
            }
            return parsed()
        }

        /// The id of the first event, read without waiting for the rest of it (a round's state
        /// may be megabytes).
        func firstID(within seconds: Double) -> String? {
            let deadline = Date().addingTimeInterval(seconds)
            connection.setTimeout(0.1)
            var bytes: [UInt8] = []
            while Date() < deadline {
                var chunk = [UInt8](repeating: 0, count: 4096)
                let n = read(connection.fd, &chunk, chunk.count)
                if n > 0 { bytes += chunk[0..<n] } else if n == 0 { break }
                let text = String(decoding: bytes, as: UTF8.self)
                if let line = text.components(separatedBy: "\n").dropLast().first(where: { $0.hasPrefix("id: ") }) {
                    return String(line.dropFirst(4))
                }
            }
            return nil
        }

        func parsed() -> [(id: String?, event: String?, data: String)] {
            var text = buffer
            if let end = text.range(of: "\r\n\r\n") {
                head = String(text[..<end.lowerBound])
                text = String(text[end.upperBound...])
            } else {
                return []
            }
            var out: [(String?, String?, String)] = []
            // Only whole events: what follows the last blank line is still arriving.
            for block in text.components(separatedBy: "\n\n").dropLast() where block.contains("data: ") {
                var id: String?, event: String?, data = ""
                for line in block.split(separator: "\n") {
                    if line.hasPrefix("id: ") { id = String(line.dropFirst(4)) }
                    if line.hasPrefix("event: ") { event = String(line.dropFirst(7)) }
                    if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
                }
                out.append((id, event, data))
            }
            return out
        }
    }

    func json(_ text: String) -> [String: Any] { LiveEventsTests.object(text) }

    /// An event's data as a JSON object (empty when it is not one).
    static func object(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    func testIdeaStreamShowsVotesCoalescedAndResumes() throws {
        let (_, author) = try signUp()
        let idea = try createIdea(author)["id"] as! Int
        let reader = try EventReader(port: service.port, path: "/ideas/\(idea)/events")
        let first = reader.events(within: 2, enough: 1)
        XCTAssertTrue(reader.head.hasPrefix("HTTP/1.1 200"), reader.head)
        XCTAssertTrue(reader.head.lowercased().contains("content-type: text/event-stream"), reader.head)
        XCTAssertFalse(reader.head.lowercased().contains("content-length"), reader.head)
        XCTAssertEqual(first.first?.event, "idea")
        XCTAssertEqual(json(first.first?.data ?? "")["votes"] as? Int, 0)
        let firstID = try XCTUnwrap(first.first?.id)

        var voters: [String] = []
        for i in 0..<12 { voters.append(try signUp("V\(i)").token) }
        let start = Date()
        for token in voters { XCTAssertEqual(try client.post("/ideas/\(idea)/votes", token: token).status, 201) }
        var seen = reader.events(within: 3)
        while (json(seen.last?.data ?? "")["votes"] as? Int) != 12 && Date().timeIntervalSince(start) < 5 {
            seen = reader.events(within: 0.5)
        }
        XCTAssertEqual(json(seen.last?.data ?? "")["votes"] as? Int, 12, "the last state reaches the stream")
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertLessThanOrEqual(Double(seen.count - 1), elapsed * 4 + 2, "at most four messages a second")
        let lastID = try XCTUnwrap(seen.last?.id)
        XCTAssertNotEqual(lastID, firstID)

        // Resume: with the newest id nothing is repeated; with an older one the current state comes at once.
        let current = try EventReader(port: service.port, path: "/ideas/\(idea)/events", headers: [("Last-Event-ID", lastID)])
        XCTAssertEqual(current.events(within: 0.7).count, 0)
        let behind = try EventReader(port: service.port, path: "/ideas/\(idea)/events", headers: [("Last-Event-ID", firstID)])
        XCTAssertEqual(json(behind.events(within: 2, enough: 1).first?.data ?? "")["votes"] as? Int, 12)
        assertError(try client.get("/ideas/999/events"), 404, "not_found")
    }

    func testStreamsPerClientAreCapped() throws {
        service.stop()
        service.maxStreamsPerClient = 2
        try service.start()
        client = service.client()
        let (_, author) = try signUp()
        let idea = try createIdea(author)["id"] as! Int
        let a = try EventReader(port: service.port, path: "/ideas/\(idea)/events")
        let b = try EventReader(port: service.port, path: "/ideas/\(idea)/events")
        XCTAssertEqual(a.events(within: 2, enough: 1).count, 1)
        XCTAssertEqual(b.events(within: 2, enough: 1).count, 1)
        assertError(try client.get("/ideas/\(idea)/events"), 429, "too_many_streams")
        a.connection.shutdownWrite()
        _ = a.connection.waitForClose()
        Thread.sleep(forTimeInterval: 0.3)
        let c = try EventReader(port: service.port, path: "/ideas/\(idea)/events")
        XCTAssertEqual(c.events(within: 2, enough: 1).count, 1, "a closed stream frees its place")
        XCTAssertEqual(service.app.context.live.streamCount, 2)
    }
}

final class RoundLiveEventsTests: ServiceTestCase {
    let testClock = TestClock(Timestamp.parse("2026-06-01T12:00:00Z")!)
    override var clock: TestClock? { testClock }

    func testRoundStreamShowsRemainingVotesAndEndsAtTheClose() throws {
        let day: Int64 = 86_400_000
        let at = { (offset: Int64) in Timestamp.string(self.testClock.nowMillis() + offset) }
        let round = try client.post("/admin/rounds", [
            "name": "Live", "submissions_open_at": at(0), "submissions_close_at": at(day),
            "voting_opens_at": at(day), "voting_closes_at": at(3 * day), "votes_per_user_per_day": 2,
            "mode": "tiers", "tiers": [["name": "5K", "amount": 5000, "winners": 1]],
        ], token: service.adminToken)
        let roundID = round.json["id"] as! Int
        let (_, author) = try signUp()
        let entry = try client.post("/ideas", ["title": "Live entry", "description": "d", "category": "c", "round_id": roundID, "tier": "5K"], token: author)
        let ideaID = entry.json["id"] as! Int
        testClock.advance(millis: day + 1000)
        let (_, voter) = try signUp("Voter")
        let reader = try LiveEventsTests.EventReader(port: service.port, path: "/rounds/\(roundID)/events",
                                                     headers: [("Authorization", "Bearer \(voter)")])
        let first = reader.events(within: 2, enough: 1)
        let state = (try? JSONSerialization.jsonObject(with: Data((first.first?.data ?? "").utf8))) as? [String: Any]
        XCTAssertEqual(first.first?.event, "leaderboard")
        XCTAssertEqual(state?["remaining_votes"] as? Int, 2)
        XCTAssertEqual(state?["final"] as? Bool, false)
        // Another customer and a reader who is not signed in watch too: one read serves all three.
        let (_, other) = try signUp("Other")
        let otherReader = try LiveEventsTests.EventReader(port: service.port, path: "/rounds/\(roundID)/events",
                                                          headers: [("Authorization", "Bearer \(other)")])
        let anonymous = try LiveEventsTests.EventReader(port: service.port, path: "/rounds/\(roundID)/events")
        XCTAssertEqual(otherReader.events(within: 2, enough: 1).count, 1)
        XCTAssertEqual(anonymous.events(within: 2, enough: 1).count, 1)
        XCTAssertEqual(try client.post("/ideas/\(ideaID)/votes", token: voter).status, 201)
        var seen = reader.events(within: 2, enough: 2)
        let after = (try? JSONSerialization.jsonObject(with: Data((seen.last?.data ?? "").utf8))) as? [String: Any]
        XCTAssertEqual(after?["remaining_votes"] as? Int, 1)
        XCTAssertEqual(((after?["leaderboard"] as? [String: Any])?["items"] as? [[String: Any]])?.first?["votes"] as? Int, 1)
        let otherAfter = otherReader.events(within: 2, enough: 2).last
        let anonymousAfter = anonymous.events(within: 2, enough: 2).last
        XCTAssertEqual(otherAfter?.id, seen.last?.id, "the same state, the same id")
        XCTAssertEqual(anonymousAfter?.id, seen.last?.id)
        let otherState = LiveEventsTests.object(otherAfter?.data ?? ""), anonymousState = LiveEventsTests.object(anonymousAfter?.data ?? "")
        XCTAssertEqual(otherState["remaining_votes"] as? Int, 2, "each customer's own allowance")
        XCTAssertNotNil(otherState["resets_at"] as? String)
        XCTAssertNil(anonymousState["remaining_votes"])
        XCTAssertNil(anonymousState["resets_at"])
        for state in [otherState, anonymousState] {
            XCTAssertEqual(state["round_id"] as? Int, roundID)
            XCTAssertEqual(state["state"] as? String, "voting")
            XCTAssertEqual(((state["leaderboard"] as? [String: Any])?["items"] as? [[String: Any]])?.first?["votes"] as? Int, 1)
        }
        XCTAssertEqual(Set(anonymousState.keys), ["round_id", "state", "final", "leaderboard"])
        XCTAssertEqual(Set(otherState.keys), ["round_id", "state", "final", "remaining_votes", "resets_at", "leaderboard"])
        XCTAssertEqual(try client.post("/admin/rounds/\(roundID)/close", token: service.adminToken).status, 200)
        seen = reader.events(within: 3, enough: 3)
        let last = (try? JSONSerialization.jsonObject(with: Data((seen.last?.data ?? "").utf8))) as? [String: Any]
        XCTAssertEqual(last?["final"] as? Bool, true)
        XCTAssertTrue(reader.connection.waitForClose(), "the stream ends after the final message")
    }
}
