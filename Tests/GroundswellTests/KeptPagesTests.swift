import Foundation
import HTTPServer
import Synchronization
import TestSupport
import XCTest
@testable import Groundswell

/// The home page for readers who are not signed in is kept past votes that leave its three lists
/// as they are (SQLite: the writer's row hooks), and only until the next round opens or closes for
/// voting, which no commit announces.
final class HomePageTests: ServiceTestCase {
    let testClock = TestClock()
    override var clock: TestClock? { testClock }

    private let html = [("Accept", "text/html")]

    /// Whether the home page (English, uncompressed) is kept at the current commit and time.
    private func homeKept() -> Bool { isKept("/", clock: testClock) }

    private var pagesOutliveVotes: Bool { TestService.engine == .sqlite }

    func testTheHomePageOutlivesVotesThatLeaveItsListsAndNothingElse() throws {
        let (_, author) = try signUp("Author")
        var ideas: [Int] = []
        for n in 1...25 { ideas.append(try createIdea(author, title: "Home idea \(n)", category: "c\(n % 3)")["id"] as! Int) }
        let voters = try (1...4).map { try signUp("Voter \($0)").token }
        // The ten oldest lead both ranked lists with two votes each; the ten newest are the third.
        for id in ideas[0..<10] {
            for voter in voters[0..<2] { XCTAssertEqual(try client.post("/ideas/\(id)/votes", [:], token: voter).status, 201) }
        }
        let first = try client.request("GET", "/", headers: html)
        XCTAssertEqual(first.status, 200)
        XCTAssertTrue(homeKept())
        XCTAssertFalse(first.text.contains("Home idea 11<"), "an idea in no list")

        // A first vote for an idea in no list: it stays after both lists' last items.
        XCTAssertEqual(try client.post("/ideas/\(ideas[10])/votes", [:], token: voters[0]).status, 201)
        XCTAssertEqual(homeKept(), pagesOutliveVotes, "a vote that moves no idea into a list leaves the page")
        XCTAssertEqual(try client.request("GET", "/", headers: html).body, first.body)

        // Two more: now it leads both.
        for voter in voters[1...2] { XCTAssertEqual(try client.post("/ideas/\(ideas[10])/votes", [:], token: voter).status, 201) }
        XCTAssertFalse(homeKept(), "an idea entering a list retires the page")
        let entered = try client.request("GET", "/", headers: html)
        XCTAssertTrue(entered.text.contains("Home idea 11<"), entered.text)

        // A vote for an idea the page shows (the newest list shows counts too).
        XCTAssertTrue(homeKept())
        XCTAssertEqual(try client.post("/ideas/\(ideas[24])/votes", [:], token: voters[3]).status, 201)
        XCTAssertFalse(homeKept(), "a vote for an idea on the page retires it")
        _ = try client.request("GET", "/", headers: html)

        // Anything other than a vote: a new idea (the newest list), a comment, a status.
        XCTAssertTrue(homeKept())
        XCTAssertEqual(try client.post("/ideas/\(ideas[12])/comments", ["body": "Yes"], token: voters[3]).status, 201)
        XCTAssertFalse(homeKept(), "a comment anywhere retires it")
        _ = try client.request("GET", "/", headers: html)
        _ = try createIdea(author, title: "Home idea 26")
        XCTAssertFalse(homeKept())
        XCTAssertTrue(try client.request("GET", "/", headers: html).text.contains("Home idea 26<"))
    }

    /// A round's voting opens at a time, with no commit: the kept page ends then, and the banner
    /// shows; it ends again when voting closes.
    func testTheHomePageShowsARoundWhoseVotingOpensWithoutACommit() throws {
        let (_, author) = try signUp("Author")
        for n in 1...12 { _ = try createIdea(author, title: "Round home idea \(n)") }
        _ = try createRound("Harvest round", clock: testClock)

        XCTAssertFalse(try client.request("GET", "/", headers: html).text.contains("Harvest round"), "voting has not opened")
        XCTAssertTrue(homeKept())
        testClock.advance(millis: 2 * 3_600_000)
        XCTAssertFalse(homeKept(), "the page ends when voting opens")
        XCTAssertTrue(try client.request("GET", "/", headers: html).text.contains("Harvest round"))
        XCTAssertTrue(homeKept())
        testClock.advance(millis: 3 * 3_600_000)
        XCTAssertFalse(homeKept(), "and when it closes")
        XCTAssertFalse(try client.request("GET", "/", headers: html).text.contains("Harvest round"))
    }
}

/// A page that misses in many connections at once is rendered once: the others wait for it.
final class RendersInFlightTests: ServiceTestCase {
    func testConcurrentMissesOfOnePageWaitForOneRender() throws {
        let (_, author) = try signUp("Author")
        _ = try createIdea(author, title: "One render")
        let context = service.app.context
        let releases = (0..<context.pageRenders.threads).map { _ in occupy { context.pageRenders.submit(context: "a test", $0) } }
        let group = DispatchGroup()
        let bodies = Mutex<[Int: (status: Int, body: [UInt8])]>([:])
        let port = service.port
        for index in 0..<8 {
            // Threads of their own: the global queue adds a thread for each blocked job only slowly.
            group.enter()
            Thread {
                let response = try? TestClient(port: port).request("GET", "/", headers: [("Accept", "text/html")])
                bodies.withLock { $0[index] = response.map { ($0.status, $0.body) } }
                group.leave()
            }.start()
        }
        let deadline = Date().addingTimeInterval(10)
        while context.rendersInFlight.waiters(for: "en|identity|/") < 7 && Date() < deadline { usleep(1_000) }
        XCTAssertEqual(context.rendersInFlight.waiters(for: "en|identity|/"), 7)
        XCTAssertEqual(context.pageRenders.queued, 1, "one render queued for eight readers")
        releases.forEach { $0() }
        XCTAssertEqual(group.wait(timeout: .now() + 10), .success)
        let answers = bodies.withLock { $0 }
        XCTAssertEqual(answers.count, 8)
        XCTAssertEqual(Set(answers.values.map(\.status)), [200])
        XCTAssertEqual(Set(answers.values.map(\.body)).count, 1, "the same page")
        XCTAssertTrue(String(decoding: answers[0]!.body, as: UTF8.self).contains("One render"))
    }
}

/// Who a render in flight may answer: requests whose commit count it read at or after.
final class RendersInFlightRulesTests: XCTestCase {
    func testARenderAnswersOnlyRequestsNoNewerThanItsReads() {
        let flights = RendersInFlight()
        let calls = Mutex<[String]>([])
        func wait(_ name: String, arrival: UInt64) -> Bool {
            flights.lead("k", generation: arrival, arrival: arrival,
                         served: { page in calls.withLock { $0.append("\(name) served \(page == nil ? "nothing" : "the page")") } },
                         retry: { calls.withLock { $0.append("\(name) retries") } })
        }
        XCTAssertTrue(wait("leader", arrival: 5))
        XCTAssertFalse(wait("older", arrival: 4))
        XCTAssertFalse(wait("same", arrival: 5))
        XCTAssertFalse(wait("newer", arrival: 6), "a commit came after the render's reads began")
        XCTAssertEqual(flights.waiters(for: "k"), 3)
        let page = WebContext.CachedPage(response: Response(status: .ok, contentType: "text/html"), readScopes: [])
        flights.kept("k", generation: 4, page: page)
        flights.kept("k", generation: 5, page: page)
        flights.finished("k")
        XCTAssertEqual(calls.withLock { $0 }, ["older served the page", "same served the page", "newer retries"])
        XCTAssertEqual(flights.waiters(for: "k"), 0)
        XCTAssertTrue(wait("next", arrival: 6), "the next render leads")
        XCTAssertFalse(wait("again", arrival: 6))
        flights.finished("k")
        XCTAssertEqual(calls.withLock { $0 }.last, "again served nothing", "a render that kept no page")
    }
}

/// "Ideas in action" shows launched ideas with their votes: kept past votes for other ideas.
final class InActionPageTests: ServiceTestCase {
    func testTheInActionPageOutlivesVotesForIdeasItDoesNotShow() throws {
        let (_, author) = try signUp("Author")
        let launched = try createIdea(author, title: "Launched refills")["id"] as! Int
        let other = try createIdea(author, title: "Still an idea")["id"] as! Int
        for status in ["under_review", "accepted", "in_progress", "launched"] {
            XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(launched)", json: ["status": status, "note": "In every store"],
                                              token: service.adminToken).status, 200)
        }
        let (_, voter) = try signUp("Voter")
        let html = [("Accept", "text/html")]
        let kept = { self.isKept("/in-action") }
        let first = try client.request("GET", "/in-action", headers: html)
        XCTAssertTrue(first.text.contains("Launched refills"), first.text)
        XCTAssertTrue(kept())
        XCTAssertEqual(try client.post("/ideas/\(other)/votes", [:], token: voter).status, 201)
        XCTAssertEqual(kept(), TestService.engine == .sqlite, "a vote for an idea it does not show")
        XCTAssertEqual(try client.post("/ideas/\(launched)/votes", [:], token: voter).status, 201)
        XCTAssertFalse(kept(), "a vote for a launched idea")
        XCTAssertNotEqual(try client.request("GET", "/in-action", headers: html).body, first.body, "its new count")
    }
}

/// A round's page and the rounds' list are kept for readers who are not signed in until the next
/// commit or the next time a round enters another window, which no commit announces.
final class RoundPagesKeptTests: ServiceTestCase {
    let testClock = TestClock()
    override var clock: TestClock? { testClock }

    func testRoundPagesEndWhenTheRoundEntersAnotherWindow() throws {
        let id = try createRound("Kept round", clock: testClock)
        let html = [("Accept", "text/html")]
        func kept(_ path: String) -> Bool { isKept(path, clock: testClock) }
        for path in ["/rounds/\(id)", "/rounds"] {
            let page = try client.request("GET", path, headers: html)
            XCTAssertTrue(page.text.contains("state-submissions"), page.text)
            XCTAssertTrue(kept(path), path)
            XCTAssertEqual(try client.request("GET", path, headers: html).body, page.body)
        }
        let (_, author) = try signUp("Entrant")
        let entry = try client.post("/ideas", ["title": "Seed library", "description": "d", "category": "c", "round_id": id, "tier": "A"],
                                    token: author)
        XCTAssertEqual(entry.status, 201, entry.text)
        XCTAssertFalse(kept("/rounds/\(id)"), "a commit ends it")
        XCTAssertTrue(try client.request("GET", "/rounds/\(id)", headers: html).text.contains("Seed library"))
        _ = try client.request("GET", "/rounds", headers: html)
        XCTAssertTrue(kept("/rounds/\(id)") && kept("/rounds"))

        testClock.advance(millis: 1 * 3_600_000 + 1)
        for path in ["/rounds/\(id)", "/rounds"] {
            XCTAssertFalse(kept(path), "submissions closed: \(path)")
            XCTAssertTrue(try client.request("GET", path, headers: html).text.contains("state-"), path)
        }
        testClock.advance(millis: 1 * 3_600_000)
        for path in ["/rounds/\(id)", "/rounds"] {
            XCTAssertFalse(kept(path), "voting opened: \(path)")
            XCTAssertTrue(try client.request("GET", path, headers: html).text.contains("state-voting"), path)
        }
    }
}

extension ServiceTestCase {
    /// Whether the anonymous page of `path` (English, uncompressed) is kept at the current commit
    /// and, with `clock`, has not expired at its time.
    func isKept(_ path: String, clock: TestClock? = nil) -> Bool {
        let context = service.app.context
        guard let page = context.webPageCache.get("en|identity|" + path, generation: context.database.writer.commitCount) else { return false }
        return clock.map { page.isCurrent(at: $0.nowMillis()) } ?? true
    }

    /// A round (one tier) whose submissions opened 2 hours before `clock`'s now and close 1 hour
    /// after it, whose voting opens 2 hours after it and closes 5 hours after it; its id.
    func createRound(_ name: String, clock: TestClock) throws -> Int {
        let now = clock.nowMillis()
        let iso = { (hours: Int64) in ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(now + hours * 3_600_000) / 1000)) }
        let created = try client.post("/admin/rounds", [
            "name": name, "submissions_open_at": iso(-2), "submissions_close_at": iso(1), "voting_opens_at": iso(2),
            "voting_closes_at": iso(5), "mode": "tiers", "tiers": [["name": "A", "amount": 100, "winners": 1]],
        ], token: service.adminToken)
        XCTAssertEqual(created.status, 201, created.text)
        return created.json["id"] as! Int
    }
}
