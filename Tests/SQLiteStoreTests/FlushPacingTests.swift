import XCTest
@testable import SQLiteStore

/// `FlushPacing` as a plain value: the disk rests between flushes only while a few jobs (not
/// one, not many) arrive in a flush's time, never longer than two flushes take or `maxRest`, and
/// the rest counts from the end of the last flush.
final class FlushPacingTests: XCTestCase {
    private let µs: UInt64 = 1_000

    /// Flushes of `duration` every `every` nanoseconds, each of `jobs` jobs; returns the end of the last.
    private func run(_ pacing: inout FlushPacing, flushes: Int, jobs: Int, duration: UInt64, every: UInt64) -> UInt64 {
        var start: UInt64 = 1_000_000_000
        for _ in 0..<flushes {
            pacing.flushed(jobs: jobs, start: start, end: start + duration)
            start += every
        }
        return start - every + duration
    }

    func testAFreshPacingNeverRests() {
        XCTAssertEqual(FlushPacing().rest(at: 5_000), 0)
        var pacing = FlushPacing()
        pacing.flushed(jobs: 3, start: 1_000, end: 600_000)
        XCTAssertEqual(pacing.rest(at: 600_001), 0, "one flush says nothing of the rate")
    }

    /// Flushes of very different lengths (a checkpoint's writes ahead of some): one client still
    /// never waits, since the rate is a ratio of averages.
    func testOneClientNeverWaitsWhenFlushTimesVary() {
        var pacing = FlushPacing()
        var start: UInt64 = 1_000_000_000, end = start
        for i in 0..<64 {
            end = start + (i % 2 == 0 ? 100 * µs : 2_000 * µs)
            pacing.flushed(jobs: 1, start: start, end: end)
            start = end + 50 * µs
        }
        XCTAssertLessThan(pacing.jobsPerFlushTime, FlushPacing.someJobs)
        XCTAssertEqual(pacing.rest(at: end + 1), 0)
    }

    func testAFewJobsPerFlushRestTwiceAsLongAsAFlushTakes() {
        var pacing = FlushPacing()
        let end = run(&pacing, flushes: 50, jobs: 3, duration: 600 * µs, every: 700 * µs)
        XCTAssertEqual(pacing.jobsPerFlushTime, 3 * 600.0 / 700, accuracy: 0.05)
        XCTAssertEqual(Double(pacing.rest(at: end)), Double(1_200 * µs), accuracy: Double(5 * µs))
        XCTAssertEqual(Double(pacing.rest(at: end + 400 * µs)), Double(800 * µs), accuracy: Double(5 * µs))
        XCTAssertEqual(pacing.rest(at: end + 1_200 * µs), 0, "the rest counts from the end of the last flush")
        XCTAssertEqual(pacing.rest(at: end + 60_000 * µs), 0, "after an idle stretch the next flush starts at once")
    }

    /// One client writing after each answer (one job per flush): nobody would join. A flood
    /// (24 jobs per flush): the flushes are full already. Neither waits.
    func testNeitherOneClientNorAFloodWaits() {
        for (jobs, every) in [(1, 560 * µs), (24, 700 * µs)] {
            var pacing = FlushPacing()
            let end = run(&pacing, flushes: 50, jobs: jobs, duration: 500 * µs, every: every)
            let arriving = pacing.jobsPerFlushTime
            XCTAssertTrue(arriving < FlushPacing.someJobs || arriving >= FlushPacing.fewJobs, "\(jobs) jobs: \(arriving)")
            XCTAssertEqual(pacing.rest(at: end + 1), 0, "\(jobs) jobs a flush")
        }
    }

    func testRestingDoesNotSwitchItselfOff() {
        // Resting makes each flush carry more jobs over a longer stretch: the rate stays.
        var pacing = FlushPacing()
        _ = run(&pacing, flushes: 50, jobs: 3, duration: 600 * µs, every: 700 * µs)
        let end = run(&pacing, flushes: 50, jobs: 6, duration: 600 * µs, every: 1_400 * µs)
        XCTAssertGreaterThan(pacing.rest(at: end), 0)
    }

    func testASlowFlushRestsAtMostMaxRest() {
        var pacing = FlushPacing()
        let end = run(&pacing, flushes: 50, jobs: 10, duration: 5_000 * µs, every: 9_000 * µs)
        XCTAssertEqual(pacing.rest(at: end), FlushPacing.maxRest)
    }
}
