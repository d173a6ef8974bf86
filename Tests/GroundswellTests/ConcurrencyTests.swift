import Foundation
import Synchronization
import XCTest
@testable import Groundswell
@testable import HTTPServer

/// Races that Swift 6's checking cannot see (state behind locks by convention). Run them
/// under ThreadSanitizer too: `make test-tsan`.
final class ConcurrencyTests: ServiceTestCase {
    let testClock = TestClock()
    override var clock: TestClock? { testClock }

    /// The scheduler thread and every caller of `runOnce()` race for the minute's purge:
    /// exactly one of them may run it.
    func testPurgeRunsOncePerMinuteWhoeverAsks() throws {
        let scheduler = service.app.scheduler
        testClock.advance(millis: 61_000)
        let before = scheduler.purges.load(ordering: .relaxed)
        let start = DispatchSemaphore(value: 0)
        let group = DispatchGroup()
        for _ in 0..<16 {
            group.enter()
            Thread.detachNewThread {
                start.wait()
                scheduler.runOnce()
                group.leave()
            }
        }
        for _ in 0..<16 { start.signal() }
        group.wait()
        XCTAssertEqual(scheduler.purges.load(ordering: .relaxed) - before, 1)
        testClock.advance(millis: 61_000)
        scheduler.runOnce()
        XCTAssertEqual(scheduler.purges.load(ordering: .relaxed) - before, 2)
    }

    /// A promise tells every subscriber, not only the last one to ask.
    func testPromiseCallsEverySubscriberOnce() {
        let promise = ResponsePromise()
        let seen = Mutex<[Int]>([])
        promise.whenComplete { _ in seen.withLock { $0.append(1) } }
        promise.whenComplete { _ in seen.withLock { $0.append(2) } }
        promise.succeed(Response(status: .ok))
        promise.succeed(Response(status: .created))
        promise.whenComplete { response in
            XCTAssertEqual(response.status.code, 200)
            seen.withLock { $0.append(3) }
        }
        XCTAssertEqual(seen.withLock { $0 }, [1, 2, 3])
    }
}
