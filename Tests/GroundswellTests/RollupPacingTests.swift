import XCTest
@testable import Groundswell

/// The scheduler's rollup rests three times a slice's writer time while others write (a quarter
/// of a busy writer), never on a quiet writer, and never longer than a quarter second.
final class RollupPacingTests: XCTestCase {
    func testRestsOnlyWhileOthersWrite() {
        XCTAssertEqual(RollupPacing.rest(after: 0.005, othersWrote: true), 0.015, accuracy: 1e-12)
        XCTAssertEqual(RollupPacing.rest(after: 0.005, othersWrote: false), 0, "a quiet writer: full speed")
        XCTAssertEqual(RollupPacing.rest(after: 0, othersWrote: true), 0, "nothing measured: no rest")
        XCTAssertEqual(RollupPacing.rest(after: 0.4, othersWrote: true), 0.25, "a stalled write buys no long rest")
        let share = 0.005 / (0.005 + RollupPacing.rest(after: 0.005, othersWrote: true))
        XCTAssertEqual(share, 0.25, accuracy: 1e-9, "a quarter of a busy writer")
    }
}
