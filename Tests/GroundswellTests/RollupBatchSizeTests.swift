import XCTest
@testable import Groundswell

/// The scheduler's rollup batches follow their cost: about 5 ms of writer time each, never
/// below 500 or above 20,000 rows, at most 4× up or down a step, small writes ignored.
final class RollupBatchSizeTests: XCTestCase {
    func testBatchesShrinkToTheTargetTimeAndGrowBack() {
        var size = RollupBatchSize()
        XCTAssertEqual(size.rows, 20_000)
        size.record(taken: 20_000, seconds: 0.4)  // 20 µs a row: 250 fit in 5 ms, but a step is at most 4×
        XCTAssertEqual(size.rows, 5_000)
        size.record(taken: 5_000, seconds: 0.1)
        XCTAssertEqual(size.rows, 1_250)
        size.record(taken: 1_250, seconds: 0.00625)  // 5 µs a row: 1,000 fit in 5 ms
        XCTAssertEqual(size.rows, 1_000)
        size.record(taken: 100, seconds: 10)  // the last, small write of a catch-up says nothing
        XCTAssertEqual(size.rows, 1_000)
        size.record(taken: 1_000, seconds: 0)  // no time measured: ignored
        XCTAssertEqual(size.rows, 1_000)
        size.record(taken: 1_000, seconds: 0.001)  // cheap rows again (a quiet day): back up, 4× a step
        XCTAssertEqual(size.rows, 4_000)
        size.record(taken: 4_000, seconds: 0.001)
        XCTAssertEqual(size.rows, 16_000)
        size.record(taken: 16_000, seconds: 0.001)
        XCTAssertEqual(size.rows, 20_000, "never above the largest batch")
        for _ in 0..<10 { size.record(taken: size.rows, seconds: 100) }
        XCTAssertEqual(size.rows, 500, "never below the smallest")
    }
}
