import Foundation
import JSON
import Rules
import SQLiteStore
import TestSupport
import XCTest
import Synchronization
import HTTPServer
@testable import Groundswell

/// Engagement analytics (issue 17): the report computed from the rollup agrees with a
/// brute-force computation from the raw tables on a seeded data set with known answers.
final class EngagementTests: ServiceTestCase {
    // Monday 2026-06-01 12:00 UTC.
    let testClock = TestClock(Timestamp.parse("2026-06-01T12:00:00Z")!)
    override var clock: TestClock? { testClock }
    let day: Int64 = 86_400_000
    var admin: String { service.adminToken }

    func engagement(_ query: String, token: String? = nil) throws -> [String: Any] {
        let response = try client.get("/admin/engagement?" + query, token: token ?? admin)
        XCTAssertEqual(response.status, 200, response.text)
        return response.json
    }

    func read(_ path: String, as reader: String) throws {
        XCTAssertEqual(try client.request("GET", path, headers: [("Accept", "text/html"), ("User-Agent", reader)]).status, 200)
    }

    func testLadderFlowsAndConcentrationAgreeWithTheRawTables() throws {
        let (a, alice) = try signUp("Alice")
        let (b, bob) = try signUp("Bob")
        let (_, carol) = try signUp("Carol")
        let (_, dan) = try signUp("Dan")
        // Day 0 (Mon): Alice creates, Bob votes, two anonymous readers read.
        let first = try createIdea(alice, title: "Reusable cups")["id"] as! Int
        XCTAssertEqual(try client.post("/ideas/\(first)/votes", token: bob).status, 201)
        try read("/ideas/\(first)", as: "Reader one")
        try read("/", as: "Reader two")
        // Day 8 (next week): Bob creates (contributor → creator), Carol comments (new contributor),
        // Alice only reads (creator → spectator), reader one comes back (a new hash: a new day's salt).
        testClock.advance(millis: 8 * day)
        let second = try createIdea(bob, title: "Oat milk")["id"] as! Int
        XCTAssertEqual(try client.post("/ideas/\(second)/comments", ["body": "Yes"], token: carol).status, 201)
        XCTAssertEqual(try client.post("/ideas/\(second)/votes", token: carol).status, 201)
        XCTAssertEqual(try client.post("/ideas/\(first)/votes", token: dan).status, 201)
        XCTAssertEqual(try client.post("/ideas/\(second)/votes", token: dan).status, 201)
        var cookie = ""
        // Alice reads through a browser session.
        XCTAssertEqual(try client.request("PUT", "/me/password", json: ["password": "correct horse battery"], token: alice).status, 204)
        let session = try client.request("POST", "/sessions", json: ["email": try email(of: a), "password": "correct horse battery"])
        cookie = session.header("Set-Cookie")!.split(separator: ";")[0].description
        XCTAssertEqual(try client.request("GET", "/ideas/\(second)", headers: [("Accept", "text/html"), ("Cookie", cookie)]).status, 200)
        try read("/", as: "Reader one")

        let report = try engagement("from=2026-06-01&to=2026-06-14&interval=week")
        let ladder = report["ladder"] as! [[String: Any]]
        XCTAssertEqual(ladder.map { $0["period_start"] as? String }, ["2026-06-01", "2026-06-08"])
        // Week 1: Alice creator, Bob contributor, two readers spectators.
        XCTAssertEqual(ladder[0]["creators"] as? Int, 1)
        XCTAssertEqual(ladder[0]["contributors"] as? Int, 1)
        XCTAssertEqual(ladder[0]["spectators"] as? Int, 2)
        XCTAssertNil(ladder[0]["flows"] as? [String: Any])
        // Week 2: Bob creator; Carol and Dan contributors; Alice and reader one spectators.
        XCTAssertEqual(ladder[1]["creators"] as? Int, 1)
        XCTAssertEqual(ladder[1]["contributors"] as? Int, 2)
        XCTAssertEqual(ladder[1]["spectators"] as? Int, 2)
        let flows = ladder[1]["flows"] as! [String: [String: Int]]
        XCTAssertEqual(flows["contributor"]?["creator"], 1, "Bob climbed")
        XCTAssertEqual(flows["creator"]?["spectator"], 1, "Alice only read")
        XCTAssertEqual(flows["none"]?["contributor"], 2, "Carol and Dan arrived")
        XCTAssertEqual(flows["none"]?["spectator"], 1, "reader one is a new reader on a new day")
        XCTAssertEqual(flows["spectator"]?["none"], 2, "both readers of week 1 went quiet (hashes do not cross days)")

        // Brute force from the raw tables: votes per customer active in range.
        let votesPerCustomer = try service.app.context.read { db in
            try db.query("SELECT user_id, COUNT(*) FROM votes GROUP BY user_id") { ($0.int64(0), $0.int64(1)) }
        }
        let active = Set([Int64(a), Int64(b)] + votesPerCustomer.map(\.0))
        let amounts = active.map { id in votesPerCustomer.first { $0.0 == id }?.1 ?? 0 }
        let expected = bruteGini(amounts)
        let concentration = report["concentration"] as! [String: Any]
        XCTAssertEqual(concentration["population"] as? Int, active.count)
        let votes = concentration["votes"] as! [String: Any]
        XCTAssertEqual(votes["total"] as? Int, 4)
        XCTAssertEqual(votes["gini"] as! Double, (expected * 10_000).rounded() / 10_000, accuracy: 0.0001)
        XCTAssertEqual(votes["top_20_percent"] as! Double, 0.5, accuracy: 0.0001, "the top 1 of 4 (Dan) cast 2 of 4")
        XCTAssertEqual((votes["lorenz"] as! [[Double]]).last!, [1, 1])

        // Advocates: Bob (1 vote + 1 idea = 11) above Alice (1 idea = 10); no email in JSON.
        let advocates = report["advocates"] as! [[String: Any]]
        XCTAssertEqual(advocates.prefix(2).map { $0["name"] as? String }, ["Bob", "Alice"])
        XCTAssertNil(advocates[0]["email"])

        // A category narrows the ladder to that category's ideas (and their readers).
        let filtered = try engagement("from=2026-06-01&to=2026-06-14&interval=week&category=drinks")
        XCTAssertEqual(((filtered["ladder"] as! [[String: Any]])[1]["contributors"] as? Int), 2)
        _ = cookie
    }

    func testResponsivenessFunnelCohortsAndRounds() throws {
        let (_, alice) = try signUp("Alice")
        let answered = try createIdea(alice, title: "Answered by status")["id"] as! Int
        let commented = try createIdea(alice, title: "Answered by a comment")["id"] as! Int
        _ = try createIdea(alice, title: "Never answered")
        testClock.advance(millis: 2 * day)
        XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(answered)", json: ["status": "under_review", "note": "Looking"], token: admin).status, 200)
        testClock.advance(millis: 8 * day)
        XCTAssertEqual(try client.post("/admin/ideas/\(commented)/comments", ["body": "Thanks!"], token: admin).status, 201)
        for status in ["accepted", "in_progress", "launched"] {
            testClock.advance(millis: day)
            XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(answered)", json: ["status": status], token: admin).status, 200)
        }
        let report = try engagement("from=2026-06-01&to=2026-06-30&interval=month")
        let responsiveness = report["responsiveness"] as! [String: Any]
        XCTAssertEqual(responsiveness["ideas"] as? Int, 3)
        XCTAssertEqual(responsiveness["answered"] as? Int, 2)
        XCTAssertEqual(responsiveness["median_hours_to_answer"] as? Double, 48)
        XCTAssertEqual(responsiveness["p90_hours_to_answer"] as? Double, 240)
        XCTAssertEqual(responsiveness["answered_within_7_days"] as! Double, 0.3333, accuracy: 0.0001)
        XCTAssertEqual(responsiveness["answered_within_30_days"] as! Double, 0.6667, accuracy: 0.0001)
        XCTAssertEqual((responsiveness["backlog"] as! [String: Int])["7_to_30_days"], 1)
        let funnel = responsiveness["funnel"] as! [[String: Any]]
        XCTAssertEqual(funnel.map { $0["reached"] as? Int }, [3, 1, 1, 1, 1])
        XCTAssertEqual(funnel[1]["conversion"] as! Double, 0.3333, accuracy: 0.0001)
        XCTAssertEqual(funnel[1]["median_hours_in_stage"] as? Double, 216, "under review for 9 days")
        let cohorts = report["cohorts"] as! [[String: Any]]
        XCTAssertEqual(cohorts.first?["size"] as? Int, 1)
        XCTAssertEqual((cohorts.first?["retention"] as? [Double])?.first, 1)

        // Errors: a customer, no token, a bad interval, a range too long, an unknown round, a CSV table.
        let (_, customer) = try signUp("Customer")
        XCTAssertEqual(try client.get("/admin/engagement", token: customer).status, 403)
        XCTAssertEqual(try client.get("/admin/engagement").status, 401)
        XCTAssertEqual(try client.get("/admin/engagement?interval=year", token: admin).errorCode, "invalid_request")
        XCTAssertEqual(try client.get("/admin/engagement?from=2020-01-01&to=2026-01-01&interval=day", token: admin).status, 400)
        XCTAssertEqual(try client.get("/admin/engagement?from=2026-02-30", token: admin).status, 400)
        XCTAssertEqual(try client.get("/admin/engagement?from=2026-06-10&to=2026-06-01", token: admin).status, 400)
        XCTAssertEqual(try client.get("/admin/engagement?round_id=999", token: admin).status, 404)
        XCTAssertEqual(try client.get("/admin/engagement.csv?table=nope", token: admin).status, 400)
        let csv = try client.get("/admin/engagement.csv?table=funnel&from=2026-06-01&to=2026-06-30", token: admin)
        XCTAssertEqual(csv.header("Content-Type"), "text/csv; charset=utf-8")
        XCTAssertTrue(csv.text.hasPrefix("status,reached,conversion,median_hours_in_stage\r\nsubmitted,3,"))
        // Kept reports (the admin's CSV carries emails, the JSON not: two), their responses made
        // once each and reused: every variant stays its own.
        var computed = 0
        for round in 0..<2 {
            if round == 1 { computed = service.app.context.engagement.computed }
            let range = "from=2026-06-01&to=2026-06-30"
            XCTAssertEqual(try client.get("/admin/engagement.csv?table=funnel&" + range, token: admin).text, csv.text)
            let ladder = try client.get("/admin/engagement.csv?table=ladder&" + range, token: admin)
            XCTAssertEqual(ladder.header("Content-Type"), "text/csv; charset=utf-8")
            XCTAssertFalse(ladder.text.hasPrefix("status,"), "the ladder, not the funnel")
            let json = try client.get("/admin/engagement?" + range, token: admin)
            XCTAssertEqual(json.header("Content-Type"), "application/json; charset=utf-8")
            XCTAssertNotNil(json.json["ladder"])
        }
        XCTAssertEqual(service.app.context.engagement.computed, computed, "the second time all from the kept reports")
    }

    func testAdvocatesExportCarriesEmailsOnlyForAdminsAndOptedInCustomers() throws {
        let optedIn = try client.post("/users", ["name": "Opted", "email": "opted@example.com", "contact_opt_in": true]).json["token"] as! String
        let quiet = try client.post("/users", ["name": "Quiet", "email": "quiet@example.com"]).json["token"] as! String
        _ = try createIdea(optedIn, title: "Idea one")
        _ = try createIdea(quiet, title: "Idea two")
        let csv = try client.get("/admin/engagement.csv?table=advocates", token: admin).text
        XCTAssertTrue(csv.contains("opted@example.com"))
        XCTAssertFalse(csv.contains("quiet@example.com"))
        let moderator = try client.post("/admin/staff", ["name": "Mo", "role": "moderator"], token: admin).json["token"] as! String
        let moderatorCSV = try client.get("/admin/engagement.csv?table=advocates", token: moderator).text
        XCTAssertFalse(moderatorCSV.contains("@example.com"), "moderators export names, never emails")
        XCTAssertTrue(moderatorCSV.contains("Opted"))
    }

    /// On an ordinary site every report is computed again after a commit: the answer after a
    /// vote counts it, and each answer says when its data was read.
    func testCheapReportsAreCurrentAfterEveryCommit() throws {
        let (_, alice) = try signUp("Alice")
        let idea = try createIdea(alice, title: "Recycle cups")["id"] as! Int
        let computed = service.app.context.engagement.computed
        let first = try engagement("interval=day&from=2026-05-01")
        XCTAssertEqual(first["as_of"] as? String, "2026-06-01T12:00:00.000Z")
        XCTAssertEqual(try engagement("interval=day&from=2026-05-01")["as_of"] as? String, first["as_of"] as? String)
        XCTAssertEqual(service.app.context.engagement.computed - computed, 1, "nothing committed in between: the snapshot is exact")
        let (_, bob) = try signUp("Bob")
        XCTAssertEqual(try client.post("/ideas/\(idea)/votes", token: bob).status, 201)
        let after = try engagement("interval=day&from=2026-05-01")
        let periods = after["ladder"] as! [[String: Any]]
        XCTAssertEqual(periods.last?["contributors"] as? Int, 1, "the vote is counted at once")
        XCTAssertEqual(service.app.context.engagement.computed - computed, 2)
        // Reading commits nothing, but the views waiting for the rollup make the kept report stale.
        try read("/ideas/\(idea)", as: "Reader-1")
        let read = try engagement("interval=day&from=2026-05-01")["ladder"] as! [[String: Any]]
        XCTAssertEqual(read.last?["spectators"] as? Int, 1, "an anonymous reader counted at once")
        XCTAssertEqual(service.app.context.engagement.computed - computed, 3)
    }

    /// A report that costs seconds (a million customers) is served from its snapshot after later
    /// commits, for a bounded time, and recomputed in the background once it is old enough.
    func testCostlyReportsAreServedFromTheirSnapshotAndRefreshedInTheBackground() throws {
        XCTAssertEqual(EngagementSnapshots.allowance(cost: 5_000_000), 0)
        XCTAssertEqual(EngagementSnapshots.allowance(cost: 2_000_000_000), 60_000_000_000)
        XCTAssertEqual(EngagementSnapshots.allowance(cost: 60_000_000_000), 300_000_000_000)
        let context = service.app.context
        // A core to spare, whatever other tests do with the machine's.
        let snapshots = EngagementSnapshots(logger: context.logger, spare: { true })
        defer { snapshots.stop() }
        let query = EngagementQuery(from: 20_600, to: 20_605, interval: .day)
        let key = EngagementSnapshots.Key(query, withEmails: false)
        let version = Mutex<UInt64>(1)
        let builds = Mutex(0)
        let build: @Sendable () throws -> EngagementReport = {
            Thread.sleep(forTimeInterval: 0.15)  // a costly report: over the 100 ms line
            let n = builds.withLock { $0 += 1; return $0 }
            var report = try context.read { db in try EngagementReport.build(db, query, withEmails: false) }
            report.asOf = Int64(n)
            return report
        }
        func ask() -> Int64 {
            let seen = Mutex<Int64>(0)
            let done = DispatchSemaphore(value: 0)
            let reply = snapshots.answer(key, version: { version.withLock { $0 } }, prepare: { .response(Response(status: .noContent)) },
                                         build: build) { report in
                seen.withLock { $0 = report.asOf }
                return Response(status: .ok)
            }
            switch reply {
            case .response: done.signal()
            case .promise(let promise): promise.whenComplete { _ in done.signal() }
            }
            done.wait()
            return seen.withLock { $0 }
        }
        XCTAssertEqual(ask(), 1)
        version.withLock { $0 += 1 }
        XCTAssertEqual(ask(), 1, "within 30 × its cost, the snapshot is served")
        XCTAssertEqual(builds.withLock { $0 }, 1, "and not yet recomputed: it is younger than 10 × its cost")
        Thread.sleep(forTimeInterval: 1.6)
        XCTAssertEqual(ask(), 1, "old enough to refresh: still served at once")
        // The refresh runs at SCHED_IDLE: on a machine whose cores other tests keep busy it may wait
        // seconds for one, so the bound is generous (the loops end as soon as it has run).
        let deadline = Date().addingTimeInterval(60)
        while builds.withLock({ $0 }) < 2 && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertEqual(builds.withLock { $0 }, 2, "recomputed in the background")
        while snapshots.computed < 2 && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertEqual(ask(), 2)
    }

    /// A request for a report that is being computed in the background (the warm-up, at
    /// `SCHED_IDLE`) takes that computation's report instead of computing a second copy beside it;
    /// when the background computation fails, the request computes its own.
    func testARequestForAReportBeingWarmedTakesThatReport() throws {
        let context = service.app.context
        let snapshots = EngagementSnapshots(logger: context.logger, spare: { true })
        defer { snapshots.stop() }
        for (interval, failFirst) in [(PeriodKind.day, false), (PeriodKind.week, true)] {
            let query = EngagementQuery(from: 20_600, to: 20_620, interval: interval)
            let key = EngagementSnapshots.Key(query, withEmails: false)
            let gated = GatedBuild(context, query, failFirst: failFirst)
            let build: @Sendable () throws -> EngagementReport = { try gated.run() }
            snapshots.warm(key, version: { 1 }, build: build)
            gated.waitForBuilds(1)
            let seen = Mutex<Int64>(0)
            let done = DispatchSemaphore(value: 0)
            let reply = snapshots.answer(key, version: { 1 }, prepare: { .response(Response(status: .noContent)) }, build: build) { report in
                seen.withLock { $0 = report.asOf }
                return Response(status: .ok)
            }
            guard case .promise(let promise) = reply else { return XCTFail("answered before any report was computed") }
            promise.whenComplete { _ in done.signal() }
            XCTAssertEqual(done.wait(timeout: .now() + 0.3), .timedOut, "\(interval): waits for the background computation")
            XCTAssertEqual(gated.count, 1, "\(interval): no second computation meanwhile")
            gated.gate.signal()
            XCTAssertEqual(done.wait(timeout: .now() + 10), .success)
            XCTAssertEqual(seen.withLock { $0 }, failFirst ? 2 : 1, "\(interval)")
            XCTAssertEqual(gated.count, failFirst ? 2 : 1, "\(interval)")
        }
    }

    /// Requests for a report that is not kept (many dashboards at once after a commit; `make
    /// bench`'s 64 connections) wait for one computation instead of queueing one each, which
    /// overflowed the analytics thread's queue into 503s. A request that comes after a commit the
    /// running computation cannot see waits for the next one, which starts when that one ends.
    func testRequestsWaitingForAReportShareOneComputation() throws {
        let context = service.app.context
        // The gated computation takes as long as the test holds it: counted as cheap all the same,
        // so that a report read before a commit is not served after it.
        let snapshots = EngagementSnapshots(logger: context.logger, cheap: 60_000_000_000)
        defer { snapshots.stop() }
        let query = EngagementQuery(from: 20_600, to: 20_620, interval: .day)
        let key = EngagementSnapshots.Key(query, withEmails: false)
        let gated = GatedBuild(context, query)
        let version = Mutex<UInt64>(1)
        let answers = Mutex<[Int64]>([])
        let ok = Mutex<[Bool]>([])
        let group = DispatchGroup()
        func ask() {
            group.enter()
            let reply = snapshots.answer(key, version: { version.withLock { $0 } }, prepare: { .response(Response(status: .noContent)) },
                                         build: { try gated.run() }) { report in
                answers.withLock { $0.append(report.asOf) }
                return Response(status: .ok)
            }
            reply.whenComplete { response in
                ok.withLock { $0.append(response.status == .ok) }
                group.leave()
            }
        }
        for _ in 0..<64 { ask() }
        gated.waitForBuilds(1)
        version.withLock { $0 += 1 }  // a commit the computation under way began reading before
        for _ in 0..<3 { ask() }
        Thread.sleep(forTimeInterval: 0.1)
        XCTAssertEqual(gated.count, 1, "one computation for the 64 requests, none of its own for the 3 later ones yet")
        XCTAssertTrue(ok.withLock { $0 }.isEmpty, "every request waits: \(ok.withLock { $0 })")
        gated.gate.signal()
        XCTAssertEqual(group.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(ok.withLock { $0 }, Array(repeating: true, count: 67), "every request answered 200")
        XCTAssertEqual(answers.withLock { $0 }.sorted(), Array(repeating: 1, count: 64) + Array(repeating: 2, count: 3))
        XCTAssertEqual(gated.count, 2, "and a second computation for the requests after the commit")
    }

    /// After a commit the first request waits for the report to be computed again (it counts
    /// that commit); requests arriving meanwhile take the report it replaces at once.
    func testRequestsDuringARecomputationTakeTheReportItReplaces() throws {
        let context = service.app.context
        let snapshots = EngagementSnapshots(logger: context.logger)
        defer { snapshots.stop() }
        let query = EngagementQuery(from: 20_600, to: 20_620, interval: .day)
        let key = EngagementSnapshots.Key(query, withEmails: false)
        let runs = Mutex(0)
        let gate = DispatchSemaphore(value: 0)
        let build: @Sendable () throws -> EngagementReport = {
            let n = runs.withLock { $0 += 1; return $0 }
            if n == 2 { gate.wait() }
            var report = try context.read { db in try EngagementReport.build(db, query, withEmails: false) }
            report.asOf = Int64(n)
            return report
        }
        let version = Mutex<UInt64>(1)
        func ask() -> Reply {
            snapshots.answer(key, version: { version.withLock { $0 } }, prepare: { .response(Response(status: .noContent)) },
                             build: build) { report in Response(status: .ok, body: Array("\(report.asOf)".utf8), contentType: "text/plain") }
        }
        func body(_ reply: Reply) -> String? {
            let seen = Mutex<String?>(nil)
            let done = DispatchSemaphore(value: 0)
            reply.whenComplete { response in
                seen.withLock { $0 = String(decoding: response.body, as: UTF8.self) }
                done.signal()
            }
            return done.wait(timeout: .now() + 10) == .success ? seen.withLock { $0 } : nil
        }
        XCTAssertEqual(body(ask()), "1")
        version.withLock { $0 += 1 }
        let first = ask()
        guard case .promise = first else { return XCTFail("the first request after a commit waits for the new report") }
        while runs.withLock({ $0 }) < 2 { Thread.sleep(forTimeInterval: 0.005) }
        let meanwhile = ask()
        guard case .response = meanwhile else { return XCTFail("a request during the computation is answered at once") }
        XCTAssertEqual(body(meanwhile), "1", "from the report being replaced")
        gate.signal()
        XCTAssertEqual(body(first), "2")
        XCTAssertEqual(body(ask()), "2")
        XCTAssertEqual(runs.withLock { $0 }, 2)
    }

    /// A background computation that does not end in time (its `SCHED_IDLE` thread starved by
    /// saturated cores) does not hold the request: after the patience it computes its own, and
    /// the background one ending later answers nobody twice.
    func testARequestStopsWaitingForAStalledBackgroundReport() throws {
        let context = service.app.context
        let snapshots = EngagementSnapshots(logger: context.logger, joinPatience: .milliseconds(300), spare: { true })
        defer { snapshots.stop() }
        let query = EngagementQuery(from: 20_600, to: 20_620, interval: .day)
        let key = EngagementSnapshots.Key(query, withEmails: false)
        let gated = GatedBuild(context, query)
        let build: @Sendable () throws -> EngagementReport = { try gated.run() }
        snapshots.warm(key, version: { 1 }, build: build)
        gated.waitForBuilds(1)
        let answers = Mutex<[Int64]>([])
        let done = DispatchSemaphore(value: 0)
        let started = DispatchTime.now()
        let reply = snapshots.answer(key, version: { 1 }, prepare: { .response(Response(status: .noContent)) }, build: build) { report in
            answers.withLock { $0.append(report.asOf) }
            return Response(status: .ok)
        }
        guard case .promise(let promise) = reply else { return XCTFail("answered before any report was computed") }
        promise.whenComplete { _ in done.signal() }
        XCTAssertEqual(done.wait(timeout: .now() + 0.15), .timedOut, "waits for the background computation first")
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success, "then computes its own while the background one is stalled")
        XCTAssertGreaterThanOrEqual(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds, 300_000_000)
        XCTAssertEqual(answers.withLock { $0 }, [2])
        gated.gate.signal()
        gated.waitForBuilds(2)
        var waited = 0
        while snapshots.computed < 2 && waited < 500 { Thread.sleep(forTimeInterval: 0.01); waited += 1 }
        Thread.sleep(forTimeInterval: 0.1)
        XCTAssertEqual(snapshots.computed, 2, "the stalled computation ended too")
        XCTAssertEqual(answers.withLock { $0 }, [2], "and answered nobody a second time")
    }

    /// Work nobody waits for starts only on a machine with a core to spare: without one the
    /// warm-up computes nothing, and a request that comes meanwhile computes its report at once
    /// instead of waiting out the patience for a background computation that will not come.
    /// When a core is free again, the next warm-up computes it.
    func testTheWarmUpWaitsForASpareCore() throws {
        let context = service.app.context
        let spare = Mutex(false)
        let asked = Mutex(0)
        let snapshots = EngagementSnapshots(logger: context.logger, joinPatience: .seconds(30),
                                            spare: { asked.withLock { $0 += 1 }; return spare.withLock { $0 } })
        defer { snapshots.stop() }
        let query = EngagementQuery(from: 20_600, to: 20_620, interval: .week)
        let key = EngagementSnapshots.Key(query, withEmails: false)
        let build: @Sendable () throws -> EngagementReport = {
            try context.read { db in try EngagementReport.build(db, query, withEmails: false) }
        }
        func waitFor(_ condition: () -> Bool) {
            let deadline = Date().addingTimeInterval(10)
            while !condition() && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        }
        snapshots.warm(key, version: { 1 }, build: build)
        waitFor { snapshots.skipped == 1 }
        XCTAssertEqual(snapshots.skipped, 1, "no spare core: the warm-up did not start")
        XCTAssertEqual(snapshots.computed, 0)
        let done = DispatchSemaphore(value: 0)
        let reply = snapshots.answer(key, version: { 1 }, prepare: { .response(Response(status: .noContent)) }, build: build) { _ in
            Response(status: .ok)
        }
        switch reply {
        case .response: done.signal()
        case .promise(let promise): promise.whenComplete { _ in done.signal() }
        }
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success, "computed for the request, not after the 30 s patience")
        XCTAssertEqual(snapshots.computed, 1)
        // A warm-up of a report already kept does nothing; of one not kept, with a core free, computes it.
        let other = EngagementSnapshots.Key(EngagementQuery(from: 20_600, to: 20_620, interval: .day), withEmails: false)
        snapshots.warm(key, version: { 1 }, build: build)
        spare.withLock { $0 = true }
        snapshots.warm(other, version: { 1 }, build: build)
        waitFor { snapshots.computed == 2 }
        XCTAssertEqual(snapshots.computed, 2, "warmed once a core was free")
        XCTAssertEqual(snapshots.skipped, 1)
        XCTAssertEqual(asked.withLock { $0 }, 2, "a kept report is not warmed again, so nobody asked for a core")
    }

    /// Cohorts over three weeks, with known answers: each sign-up week's share active in its
    /// own and every later week of the range.
    func testCohortRetentionOverSeveralWeeks() throws {
        let (_, alice) = try signUp("Alice")
        let (_, bob) = try signUp("Bob")
        let idea = try createIdea(alice, title: "Week zero")["id"] as! Int  // week 0: Alice
        testClock.advance(millis: 7 * day)
        let (_, carol) = try signUp("Carol")
        XCTAssertEqual(try client.post("/ideas/\(idea)/votes", token: bob).status, 201)  // week 1: Bob
        testClock.advance(millis: 7 * day)
        XCTAssertEqual(try client.post("/ideas/\(idea)/votes", token: carol).status, 201)  // week 2: Carol, Alice
        XCTAssertEqual(try client.post("/ideas/\(idea)/comments", ["body": "Thanks"], token: alice).status, 201)
        let cohorts = try engagement("from=2026-06-01&to=2026-06-21&interval=week")["cohorts"] as! [[String: Any]]
        XCTAssertEqual(cohorts.map { $0["week_start"] as? String }, ["2026-06-01", "2026-06-08"])
        XCTAssertEqual(cohorts.map { $0["size"] as? Int }, [2, 1])
        XCTAssertEqual(cohorts[0]["retention"] as? [Double], [0.5, 0.5, 0.5])
        XCTAssertEqual(cohorts[1]["retention"] as? [Double], [0, 1])
    }

    /// `groundswell seed` takes its import in with one aggregate statement per source: the
    /// rollup rows must be exactly those the scheduler's incremental runs write.
    func testBulkTakeInWritesWhatTheIncrementalRollupWrites() throws {
        let (_, alice) = try signUp("Alice")
        let (_, bob) = try signUp("Bob")
        let first = try createIdea(alice, title: "Reusable cups")["id"] as! Int
        let second = try createIdea(bob, title: "Night bus", category: "stores")["id"] as! Int
        XCTAssertEqual(try client.post("/ideas/\(first)/votes", token: bob).status, 201)
        XCTAssertEqual(try client.post("/ideas/\(second)/votes", token: alice).status, 201)
        XCTAssertEqual(try client.post("/ideas/\(first)/comments", ["body": "Yes"], token: bob).status, 201)
        XCTAssertEqual(try client.post("/admin/ideas/\(first)/comments", ["body": "Thanks!"], token: admin).status, 201)
        testClock.advance(millis: day)
        XCTAssertEqual(try client.post("/ideas/\(second)/comments", ["body": "Later"], token: alice).status, 201)
        let context = service.app.context
        let marks = { () throws -> [String] in
            try context.read { db in try db.query("SELECT name, value FROM rollup_marks WHERE name <> 'run_at' ORDER BY 1") { "\($0.string(0))=\($0.int64(1))" } }
        }
        _ = try engagement("interval=day&from=2026-05-01")  // the incremental rollup catches up first
        let incremental = try rollupRows(), incrementalMarks = try marks()
        XCTAssertEqual(incremental.count, 8, incremental.joined(separator: "\n"))
        try forgetRollup()
        try Seeder(app: service.app).rollUpEngagement()
        XCTAssertEqual(try rollupRows(), incremental)
        XCTAssertEqual(try marks(), incrementalMarks)
        try Seeder(app: service.app).rollUpEngagement()
        XCTAssertEqual(try rollupRows(), incremental, "a second run finds nothing new")
    }

    /// The scheduler's pass (batches sized by their cost, upserts in the table's key order)
    /// writes what the bulk import writes, and sizes its next batch within bounds.
    func testTheSchedulersPassWritesWhatTheBulkImportWrites() throws {
        _ = try seeded(users: 1_500, ideas: 30, votes: 3_000)
        let context = service.app.context
        service.app.scheduler.rollUpEngagement(now: context.clock.nowMillis())
        let scheduled = try rollupRows()
        XCTAssertGreaterThan(scheduled.count, 1_500)
        XCTAssertTrue((RollupBatchSize.smallest...RollupBatchSize.largest).contains(context.rollupStats.nextBatch))
        try assertTheBulkImportWrites(scheduled)
    }

    /// A window written in many slices — with a report, new votes, and a lost cache (a restart)
    /// in the middle — writes what the bulk import writes: no customer counted twice, none lost,
    /// and the window's marks gone once it is written.
    func testAWindowWrittenInSlicesWritesWhatTheBulkImportWrites() throws {
        _ = try seeded(users: 1_500, ideas: 30, votes: 3_000)
        let context = service.app.context
        let now = context.clock.nowMillis()
        var open: RollupWindow?
        let slice = { (keys: Int) throws -> EngagementRollup.Outcome in
            try EngagementRollup.scheduledWrite(context, window: &open, views: [:], keys: keys)
        }
        let windowMarks = { () throws -> [String: Int64] in
            try context.read { db in
                var marks: [String: Int64] = [:]
                _ = try db.query("SELECT name, value FROM rollup_marks WHERE name LIKE 'window%'") { marks[$0.string(0)] = $0.int64(1) }
                return marks
            }
        }
        let first = try slice(500)
        XCTAssertTrue(first.more)
        XCTAssertGreaterThanOrEqual(first.taken, 500)
        var marks = try windowMarks()
        XCTAssertEqual(marks["window_votes"], 3_000, "the window runs to the last vote")
        XCTAssertNotNil(marks["window_actor"])
        // Votes cast now are after the window's end: the next window takes them.
        XCTAssertEqual(try castVotes(400, at: now), 400)
        _ = try slice(500)
        XCTAssertTrue("u\(try windowMarks()["window_actor"]!)".utf8.lexicographicallyPrecedes("u\(marks["window_actor"]!)".utf8) == false)
        XCTAssertEqual(try windowMarks()["window_votes"], 3_000)
        // A restart: the window is aggregated again from its rows and resumes after the actor reached.
        open = nil
        marks = try windowMarks()
        _ = try slice(300)
        XCTAssertNotEqual(try windowMarks()["window_actor"], marks["window_actor"])
        // A report finishes the open window (from the scheduler's copy), then takes in what follows.
        context.rollupWindow.keep(open)
        open = nil
        try reportCatchUp()
        XCTAssertEqual(try windowMarks(), [:])
        XCTAssertEqual(try castVotes(300, at: now + 1), 300)
        var writes = 0
        while try slice(200).more { writes += 1 }
        XCTAssertGreaterThan(writes, 1)
        XCTAssertEqual(try windowMarks(), [:])
        let sliced = try rollupRows()
        try assertTheBulkImportWrites(sliced)
    }

    /// The bulk import (a seed into a file the scheduler was working on), and a report without the
    /// scheduler's copy of the window (aggregating it again), finish an open window first, so the
    /// customers it had written are not counted again.
    func testTheBulkImportAndAReportFinishAnOpenWindow() throws {
        let seeder = try seeded(users: 800, ideas: 20, votes: 1_500)
        let context = service.app.context
        let finishers: [() throws -> Void] = [
            { try seeder.rollUpEngagement() },
            { try self.reportCatchUp() },
        ]
        var results: [[String]] = []
        for finish in finishers {
            try forgetRollup()
            var open: RollupWindow?
            _ = try EngagementRollup.scheduledWrite(context, window: &open, views: [:], keys: 300)
            XCTAssertNotNil(open)
            try finish()
            results.append(try rollupRows())
        }
        XCTAssertGreaterThan(results[0].count, 800)
        XCTAssertEqual(results[1], results[0])
        try assertTheBulkImportWrites(results[0])
    }

    /// A window whose marks moved under it (a report finished it) is not written: the write is
    /// counted as stale in `/metrics`, not as a run, and the window is read again.
    func testAStaleWindowIsReadAgainAndCountedAsStaleNotAsARun() throws {
        let context = service.app.context
        let stale = try windowOpened(keys: 300)
        XCTAssertNotNil(stale)
        var open: RollupWindow?
        try reportCatchUp()
        let before = try metrics()
        // Nothing new: the stale window is dropped, the fresh one is empty.
        open = stale
        let nothing = try EngagementRollup.scheduledWrite(context, window: &open, views: [:], keys: 300)
        XCTAssertFalse(nothing.wrote)
        XCTAssertNil(open)
        var after = try metrics()
        XCTAssertEqual(after["groundswell_engagement_rollup_stale_total"], (before["groundswell_engagement_rollup_stale_total"] ?? -1) + 1)
        XCTAssertEqual(after["groundswell_engagement_rollup_runs_total"], before["groundswell_engagement_rollup_runs_total"])
        // New votes: the stale window is dropped again and the fresh one written (a run).
        XCTAssertEqual(try castVotes(200, at: context.clock.nowMillis()), 200)
        open = stale
        let written = try EngagementRollup.scheduledWrite(context, window: &open, views: [:], keys: 10_000)
        XCTAssertTrue(written.wrote)
        after = try metrics()
        XCTAssertEqual(after["groundswell_engagement_rollup_stale_total"], (before["groundswell_engagement_rollup_stale_total"] ?? -1) + 2)
        XCTAssertEqual(after["groundswell_engagement_rollup_runs_total"], (before["groundswell_engagement_rollup_runs_total"] ?? -1) + 1)
        try assertTheBulkImportWrites(try rollupRows())
    }

    /// A report's catch-up writes in the scheduler's slices, one writer job each (at a million
    /// customers one write of it held votes for 236–406 ms, session 46), and writes what the bulk
    /// import writes. (`testAWindowWrittenInSlicesWritesWhatTheBulkImportWrites`: it also finishes
    /// the window the scheduler left open.)
    func testAReportCatchesUpInSlices() throws {
        _ = try seeded(users: 3_000, ideas: 30, votes: 6_000)
        let context = service.app.context
        try forgetRollup()
        let before = try metrics()["groundswell_engagement_rollup_runs_total"] ?? 0
        try reportCatchUp()
        let runs = (try metrics()["groundswell_engagement_rollup_runs_total"] ?? 0) - before
        // ~2,600 voters; a new server's first write takes `RollupBatchSize.smallest` (500) entries.
        XCTAssertGreaterThanOrEqual(runs, 2, "\(runs) writes")
        XCTAssertNil(context.rollupWindow.take(), "no window left open")
        XCTAssertFalse(try context.read { db in try EngagementRollup.behind(db) }, "caught up")
        try assertTheBulkImportWrites(try rollupRows())
    }

    /// `/metrics` counts the reports computed and the background ones skipped for want of a core.
    func testMetricsCountComputedAndSkippedReports() throws {
        let before = try metrics()
        XCTAssertNotNil(before["groundswell_engagement_background_skipped_total"])
        let computed = try XCTUnwrap(before["groundswell_engagement_reports_computed_total"])
        _ = try engagement("interval=day&from=2026-05-01")  // not a view the start-up warm-up computes
        // At least this request's (the warm-up may add its own meanwhile).
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(try metrics()["groundswell_engagement_reports_computed_total"]), computed + 1)
    }

    /// Runs a report's catch-up (`EngagementRoutes.catchUp`) and waits for it.
    func reportCatchUp(file: StaticString = #filePath, line: UInt = #line) throws {
        let done = DispatchSemaphore(value: 0)
        let status = Mutex<Int>(0)
        let reply = EngagementRoutes.catchUp(service.app.context)
        reply.whenComplete { response in
            status.withLock { $0 = response.status.code }
            done.signal()
        }
        XCTAssertEqual(done.wait(timeout: .now() + 60), .success, file: file, line: line)
        XCTAssertEqual(status.withLock { $0 }, 204, file: file, line: line)
    }

    /// Page views a rollup took but could not write (its write failed) go back to the log, and the
    /// next rollup counts them: the scheduler's and a report's.
    func testPageViewsAFailedRollupTookAreCountedByTheNext() throws {
        let context = service.app.context
        _ = try seeded(users: 10, ideas: 3, votes: 5)
        let idea = try context.read { db in try db.scalarInt("SELECT MIN(id) FROM ideas") }!
        // A failure the rollup's write cannot get past: its table gone (for a moment).
        let tableAway = { (away: Bool) throws in
            try context.database.writer.sync { db in
                try db.execute(away ? "ALTER TABLE activity_days RENAME TO activity_days_away" : "ALTER TABLE activity_days_away RENAME TO activity_days")
            }
        }
        var now = context.clock.nowMillis()
        for (index, reader) in ["reader-a", "reader-b", "reader-c"].enumerated() {
            for _ in 0...index { try read("/ideas/\(idea)", as: reader) }
        }
        XCTAssertGreaterThan(context.readerLog.pending, 0)
        let waiting = context.readerLog.pending
        // The scheduler: views flush once a minute.
        now += 120_000
        try tableAway(true)
        service.app.scheduler.rollUpEngagement(now: now)
        XCTAssertEqual(context.readerLog.pending, waiting, "the views are back in the log")
        // A report's rollup.
        _ = try client.get("/admin/engagement?interval=day", token: admin)
        XCTAssertEqual(context.readerLog.pending, waiting, "the views are back in the log")
        try tableAway(false)
        service.app.scheduler.rollUpEngagement(now: now + 120_000)
        XCTAssertEqual(context.readerLog.pending, 0)
        let reads = try context.read { db in
            try db.query("SELECT reads FROM activity_days WHERE scope = '' AND actor LIKE 'v%' ORDER BY reads") { $0.int64(0) }
        }
        XCTAssertEqual(reads, [1, 2, 3])
    }

    func metrics() throws -> [String: Int] {
        var values: [String: Int] = [:]
        for line in try client.get("/metrics", token: admin).text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let value = Double(parts[1]) { values[String(parts[0])] = Int(value) }
        }
        return values
    }

    /// A seeded data set whose rollup was emptied and a window's first `keys` entries written: the
    /// window left open.
    func windowOpened(keys: Int) throws -> RollupWindow? {
        _ = try seeded(users: 800, ideas: 20, votes: 1_500)
        try forgetRollup()
        var open: RollupWindow?
        _ = try EngagementRollup.scheduledWrite(service.app.context, window: &open, views: [:], keys: keys)
        return open
    }

    /// Casts `count` new votes (outside rounds) by random customers for random ideas, through the ledger.
    func castVotes(_ count: Int, at time: Int64) throws -> Int {
        try service.app.context.database.writer.sync { db in
            let ideas = try db.query("SELECT id FROM ideas") { $0.int64(0) }
            let users = try db.query("SELECT id FROM users") { $0.int64(0) }
            var cast = 0
            while cast < count {
                if try VoteLedger.record(db, ideaID: ideas.randomElement()!, userID: users.randomElement()!, day: 0, at: time,
                                         roundID: nil, addressHash: nil) { cast += 1 }
            }
            return cast
        }
    }

    /// A seeded data set: `users` customers, `ideas` ideas and `votes` votes outside rounds. First
    /// waits for the scheduler's pass at start-up (a second after it), so that it cannot take in
    /// the seeded rows in the middle of a test (the test clock stands still: no other pass comes).
    func seeded(users: Int, ideas: Int, votes: Int) throws -> Seeder {
        let deadline = Date().addingTimeInterval(30)
        while service.app.scheduler.rollupPasses.load(ordering: .acquiring) == 0 && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.02)
        }
        XCTAssertGreaterThan(service.app.scheduler.rollupPasses.load(ordering: .acquiring), 0, "the scheduler's first pass")
        let seeder = Seeder(app: service.app)
        try seeder.seed(users: users, ideas: ideas)
        XCTAssertEqual(try seeder.seedVotes(votes), votes)
        return seeder
    }

    /// Empties the rollup and its marks: the next take-in starts from the first row.
    func forgetRollup() throws {
        try service.app.context.database.writer.sync { db in
            try db.run("DELETE FROM activity_days")
            try db.run("DELETE FROM rollup_marks")
        }
    }

    /// Takes everything in again from scratch with the bulk import, and checks it writes `rows`.
    func assertTheBulkImportWrites(_ rows: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        try forgetRollup()
        try Seeder(app: service.app).rollUpEngagement()
        XCTAssertEqual(try rollupRows(), rows, file: file, line: line)
    }

    /// Every `activity_days` row, in key order, as text: what the rollup holds.
    func rollupRows() throws -> [String] {
        try service.app.context.read { db in
            try db.query("SELECT scope, day, actor, votes, comments, ideas FROM activity_days ORDER BY 1, 2, 3") {
                "\($0.string(0)) \($0.int64(1)) \($0.string(2)) \($0.int64(3)) \($0.int64(4)) \($0.int64(5))"
            }
        }
    }

    func email(of id: Int) throws -> String {
        try service.app.context.read { db in try db.queryOne("SELECT email FROM users WHERE id = ?", [Int64(id)]) { $0.string(0) }! }
    }

    /// An independent Gini: mean absolute difference over twice the mean.
    func bruteGini(_ values: [Int64]) -> Double {
        let n = Double(values.count)
        let mean = Double(values.reduce(0, +)) / n
        var sum = 0.0
        for x in values { for y in values { sum += abs(Double(x - y)) } }
        return sum / (2 * n * n * mean)
    }
}

/// A report build whose first run waits for `gate` (and then fails, with `failFirst`): the
/// background computation that a request for the same report joins.
private final class GatedBuild: Sendable {
    struct Failed: Error {}
    let gate = DispatchSemaphore(value: 0)
    private let builds = Mutex(0)
    private let context: AppContext
    private let query: EngagementQuery
    private let failFirst: Bool

    init(_ context: AppContext, _ query: EngagementQuery, failFirst: Bool = false) {
        (self.context, self.query, self.failFirst) = (context, query, failFirst)
    }

    /// Runs started so far.
    var count: Int { builds.withLock { $0 } }

    /// Builds the report, its `asOf` set to the run's number (1 for the first).
    func run() throws -> EngagementReport {
        let n = builds.withLock { $0 += 1; return $0 }
        if n == 1 {
            gate.wait()
            if failFirst { throw Failed() }
        }
        var report = try context.read { db in try EngagementReport.build(db, query, withEmails: false) }
        report.asOf = Int64(n)
        return report
    }

    /// Waits (up to 5 s) until `n` runs have started.
    func waitForBuilds(_ n: Int) {
        var waited = 0
        while count < n && waited < 500 { Thread.sleep(forTimeInterval: 0.01); waited += 1 }
    }
}
