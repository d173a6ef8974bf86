import XCTest
@testable import Groundswell

/// The scheduler's rollup batches follow their cost: about 2 ms of writer time each, never
/// below 500 or above 20,000 rows, at most 4× up or down a step, small writes ignored; the
/// first batch, whose cost nobody knows yet, is the smallest.
final class RollupBatchSizeTests: XCTestCase {
    func testBatchesStartSmallFollowTheTargetTimeAndStayInBounds() {
        var size = RollupBatchSize()
        XCTAssertEqual(size.rows, 500, "the first write after a start is the smallest")
        size.record(taken: 500, seconds: 0.0001)  // 0.2 µs a row: 10,000 would fit in 2 ms, but a step is at most 4×
        XCTAssertEqual(size.rows, 2_000)
        size.record(taken: 2_000, seconds: 0.001)  // 0.5 µs a row: 4,000 fit
        XCTAssertEqual(size.rows, 4_000)
        size.record(taken: 4_000, seconds: 0.4)  // 100 µs a row: 20 fit, but a step is at most 4× down
        XCTAssertEqual(size.rows, 1_000)
        size.record(taken: 1_000, seconds: 0.1)
        XCTAssertEqual(size.rows, 500, "never below the smallest")
        size.record(taken: 100, seconds: 10)  // the last, small write of a catch-up says nothing
        XCTAssertEqual(size.rows, 500)
        size.record(taken: 1_000, seconds: 0)  // no time measured: ignored
        XCTAssertEqual(size.rows, 500)
        for expected in [2_000, 8_000, 20_000, 20_000] {  // cheap rows again (a quiet day): back up, 4× a step
            size.record(taken: size.rows, seconds: 0.0001)
            XCTAssertEqual(size.rows, expected, "never above the largest batch")
        }
        size.record(taken: 20_000, seconds: 0.05)  // 2.5 µs a row (1,000,000 customers, measured): 800 fit in 2 ms
        XCTAssertEqual(size.rows, 5_000)
        size.record(taken: 5_000, seconds: 0.0125)
        XCTAssertEqual(size.rows, 1_250)
        size.record(taken: 1_250, seconds: 0.003125)
        XCTAssertEqual(size.rows, 800)
    }
}
