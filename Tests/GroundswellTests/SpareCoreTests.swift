import Synchronization
import XCTest
@testable import Groundswell

/// The spare-core gauge that background reports wait for: `/proc/stat`'s arithmetic as plain
/// values, and the machine's own reading.
final class SpareCoreTests: XCTestCase {
    private let sample = """
        cpu  1000 50 400 8000 200 10 20 30 0 0
        cpu0 500 25 200 4000 100 5 10 15 0 0
        cpu1 500 25 200 4000 100 5 10 15 0 0
        intr 123456
        ctxt 789
        """

    func testParsesTheSummedLineAndCountsTheCores() throws {
        let times = try XCTUnwrap(CPUTimes(procStat: sample))
        XCTAssertEqual(times, CPUTimes(idle: 8_200, total: 9_710, cores: 2), "idle and iowait; steal counts as taken")
        XCTAssertNil(CPUTimes(procStat: "intr 1\nctxt 2\n"))
        XCTAssertNil(CPUTimes(procStat: "cpu  1 2 x\ncpu0 1 2 3 4 5\n"), "too few numbers")
        XCTAssertNil(CPUTimes(procStat: "cpu  1 2 3 4 5 6 7 8\n"), "no core listed")
    }

    func testIdleCoresBetweenTwoReadings() {
        let before = CPUTimes(idle: 1_000, total: 2_000, cores: 2)
        // 100 ticks passed over two cores: 50 idle is one core's worth.
        XCTAssertEqual(CPUTimes(idle: 1_050, total: 2_100, cores: 2).idleCores(since: before), 1.0, accuracy: 1e-9)
        XCTAssertEqual(CPUTimes(idle: 1_000, total: 2_100, cores: 2).idleCores(since: before), 0)
        XCTAssertEqual(CPUTimes(idle: 1_100, total: 2_100, cores: 2).idleCores(since: before), 2.0, accuracy: 1e-9)
        XCTAssertEqual(before.idleCores(since: before), 0, "no time passed")
        XCTAssertEqual(CPUTimes(idle: 900, total: 2_100, cores: 2).idleCores(since: before), 0, "counters that went back")
    }

    func testASpareCoreIsThreeQuartersOfOneIdle() {
        func gauge(_ readings: [CPUTimes?]) -> SpareCore {
            let left = Mutex(readings)
            return SpareCore(window: 0.001, share: 0.75, read: { left.withLock { $0.isEmpty ? nil : $0.removeFirst() } })
        }
        let start = CPUTimes(idle: 0, total: 0, cores: 2)
        XCTAssertTrue(gauge([start, CPUTimes(idle: 40, total: 100, cores: 2)]).available(), "0.8 of a core idle")
        XCTAssertFalse(gauge([start, CPUTimes(idle: 30, total: 100, cores: 2)]).available(), "0.6 of a core idle")
        XCTAssertTrue(gauge([nil]).available(), "an unreadable machine leaves it to SCHED_IDLE")
        XCTAssertTrue(gauge([start, start]).available(), "no tick passed: nothing to judge by")
    }

    func testReadsThisMachine() throws {
        #if os(Linux)
        let times = try XCTUnwrap(CPUTimes.read())
        XCTAssertGreaterThanOrEqual(times.cores, 1)
        XCTAssertGreaterThan(times.total, times.idle)
        #endif
    }
}
