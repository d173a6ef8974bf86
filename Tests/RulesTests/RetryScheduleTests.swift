import XCTest
@testable import Rules

final class RetryScheduleTests: XCTestCase {
    func testDefaultWebhookScheduleCoversMoreThanADay() {
        let schedule = RetrySchedule.webhooks
        XCTAssertEqual(schedule.attempts, 8)
        XCTAssertGreaterThanOrEqual(schedule.span, 24 * 3_600_000)
        // With the least jitter the retries still span a day.
        var at: Int64 = 0
        for attempt in 1..<schedule.attempts { at = schedule.nextAttempt(after: attempt, at: at, unit: 0)! }
        XCTAssertGreaterThanOrEqual(at, 24 * 3_600_000 * 8 / 10)
        XCTAssertNil(schedule.nextAttempt(after: schedule.attempts, at: 0, unit: 0.5))
        XCTAssertNil(schedule.nextAttempt(after: 0, at: 0, unit: 0.5))
    }

    func testJitterStaysWithinTwentyPercent() {
        let schedule = RetrySchedule(seconds: [10])
        XCTAssertEqual(schedule.nextAttempt(after: 1, at: 1000, unit: 0), 1000 + 8000)
        XCTAssertEqual(schedule.nextAttempt(after: 1, at: 1000, unit: 0.5), 1000 + 10_000)
        XCTAssertLessThan(schedule.nextAttempt(after: 1, at: 1000, unit: 0.999_999)!, 1000 + 12_000)
    }

    func testParsing() {
        XCTAssertEqual(RetrySchedule(parsing: "0.5, 2,60")?.delays, [500, 2000, 60_000])
        XCTAssertNil(RetrySchedule(parsing: ""))
        XCTAssertNil(RetrySchedule(parsing: "1,-2"))
        XCTAssertNil(RetrySchedule(parsing: "1,x"))
        XCTAssertNil(RetrySchedule(parsing: "0"))
    }
}
