import JSON
import XCTest
@testable import Groundswell

final class TimestampAndLotteryTests: XCTestCase {
    func testTimestampsParseStrictlyAndNeverCrash() {
        XCTAssertEqual(Timestamp.parse("2026-11-23T16:04:40Z"), 1_795_449_880_000)
        XCTAssertEqual(Timestamp.parse("2026-11-23T16:04:40.1Z"), 1_795_449_880_100)
        XCTAssertEqual(Timestamp.parse("2026-11-23T16:04:40.123456789Z"), 1_795_449_880_123)
        XCTAssertEqual(Timestamp.parse("2026-11-23T17:04:40+01:00"), 1_795_449_880_000)
        for bad in ["", "2026-02-30T00:00:00Z", "2026-11-23 16:04:40Z", "2026-11-23T16:04:40", "2026-11-23T16:04:40.Z",
                    "2026-11-23T25:00:00Z", "2026-11-23T16:04:40+1:00", "0000-00-00T00:00:00Z", "2026-11-23T16:04:40Zjunk",
                    "9999999999-11-23T16:04:40Z", "\u{0}"] {
            XCTAssertNil(Timestamp.parse(bad), bad)
        }
        XCTAssertEqual(Timestamp.string(1_795_449_880_123), "2026-11-23T16:04:40.123Z")
    }

    /// The order is checked against one computed independently (Python's hashlib, sorting ids
    /// 1…20 by the hex SHA-256 of "published-seed:<id>"), not against the same comparator.
    func testLotteryOrderIsReproducibleFromTheSeed() {
        let seed = "published-seed"
        let order = Array(Int64(1)...20).sorted { RoundStore.lotteryKey(seed: seed, ideaID: $0) < RoundStore.lotteryKey(seed: seed, ideaID: $1) }
        XCTAssertEqual(order, [19, 8, 15, 16, 17, 13, 5, 1, 4, 7, 10, 3, 9, 20, 18, 11, 14, 6, 12, 2])
        XCTAssertEqual(RoundStore.seedHash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
