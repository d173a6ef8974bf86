import Dispatch
import Foundation
import HTTPServer
import Logging
import Synchronization
import TestSupport
import XCTest
@testable import Groundswell

/// Costly staff reads asked for by many requests at once share one computation, and no answer
/// misses a commit its request came after.
final class SharedReadsTests: ServiceTestCase {
    func testRequestsShareOneComputationAndLateOnesTheNext() {
        let thread = BackgroundReads(capacity: 4, logger: Logger(label: "test"), name: "gs-test-shared")
        defer { thread.stop() }
        let version = Mutex<UInt64>(1)
        let shared = SharedReads(on: thread, version: { version.withLock { $0 } })
        let runs = Mutex(0)
        let gate = DispatchSemaphore(value: 0)
        let work: @Sendable () throws -> Response = {
            let n = runs.withLock { $0 += 1; return $0 }
            if n == 1 { gate.wait() }
            return Response(status: .ok, body: Array("\(n)".utf8), contentType: "text/plain")
        }
        let bodies = Mutex<[String]>([])
        let group = DispatchGroup()
        func ask() {
            group.enter()
            shared.run("stats", context: "a test", work).whenComplete { response in
                bodies.withLock { $0.append(response.status == .ok ? String(decoding: response.body, as: UTF8.self) : "\(response.status.code)") }
                group.leave()
            }
        }
        // Far more requests than the thread's queue holds (4): they wait for the one computation.
        for _ in 0..<64 { ask() }
        while runs.withLock({ $0 }) < 1 { Thread.sleep(forTimeInterval: 0.005) }
        version.withLock { $0 += 1 }  // a commit the computation under way began reading before
        for _ in 0..<3 { ask() }
        XCTAssertEqual(shared.waiting, 67)
        XCTAssertEqual(runs.withLock { $0 }, 1)
        gate.signal()
        XCTAssertEqual(group.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(bodies.withLock { $0 }.sorted(), Array(repeating: "1", count: 64) + Array(repeating: "2", count: 3))
        XCTAssertEqual(runs.withLock { $0 }, 2)
        XCTAssertEqual(shared.waiting, 0)
    }

    /// Through the server: many staff asking for the operating figures and the fraud report at once
    /// are all answered (the analytics thread's queue holds 32).
    func testManyStaffRequestsAtOnceAreAllAnswered() throws {
        let (_, token) = try signUp()
        _ = try createIdea(token)
        let statuses = Mutex<[Int]>([])
        let start = DispatchSemaphore(value: 0)
        let group = DispatchGroup()
        for i in 0..<48 {
            group.enter()
            Thread.detachNewThread { [port = service.port, admin = service.adminToken] in
                defer { group.leave() }
                start.wait()
                let status = (try? TestClient(port: port).get(i % 2 == 0 ? "/admin/stats" : "/admin/fraud", token: admin).status) ?? 0
                statuses.withLock { $0.append(status) }
            }
        }
        for _ in 0..<48 { start.signal() }
        XCTAssertEqual(group.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(statuses.withLock { $0 }, Array(repeating: 200, count: 48))
    }
}
