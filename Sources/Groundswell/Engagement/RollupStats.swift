import Synchronization
import Foundation
import HTTPServer

/// What the engagement rollup costs, for `/metrics`: runs that wrote, rows taken in, and the
/// writer's time spent on them (the figure to compare with vote throughput).
final class RollupStats: Sendable {
    private let runs = Atomic<Int>(0)
    private let nanoseconds = Atomic<Int>(0)

    /// Runs `body` (on the writer) and counts its time.
    func measure<T>(_ body: () throws -> T) rethrows -> T {
        try timed(body).result
    }

    /// Runs `body`, counts it and its time (a failed run too), and returns the time.
    private func timed<T>(_ body: () throws -> T) rethrows -> (result: T, seconds: Double) {
        let start = DispatchTime.now().uptimeNanoseconds
        func count() -> Double {
            let elapsed = Int(DispatchTime.now().uptimeNanoseconds - start)
            runs.add(1, ordering: .relaxed)
            nanoseconds.add(elapsed, ordering: .relaxed)
            return Double(elapsed) / 1e9
        }
        do {
            let result = try body()
            return (result, count())
        } catch {
            _ = count()
            throw error
        }
    }

    /// The scheduler's batch size, from the cost of its last writes.
    private let batchSize = Mutex(RollupBatchSize())

    /// Runs one scheduled rollup write (on the writer) with the current batch size, counts its
    /// time and sizes the next batch from it.
    func scheduled(_ body: (_ batch: Int) throws -> EngagementRollup.Outcome) rethrows -> EngagementRollup.Outcome {
        let batch = batchSize.withLock { $0.rows }
        let (outcome, seconds) = try timed { try body(batch) }
        batchSize.withLock { $0.record(taken: outcome.taken, seconds: seconds) }
        return outcome
    }

    /// The rows the next scheduled write will take in (tests).
    var nextBatch: Int { batchSize.withLock { $0.rows } }

    func render(readerLog: ReaderLog, into text: inout String) {
        MetricText.single("groundswell_engagement_rollup_runs_total", "counter", help: "Engagement rollup runs that took something in.",
                          value: runs.load(ordering: .relaxed), into: &text)
        MetricText.single("groundswell_engagement_rollup_seconds_total", "counter", help: "Writer time spent in engagement rollups.",
                          value: Double(nanoseconds.load(ordering: .relaxed)) / 1e9, into: &text)
        MetricText.single("groundswell_engagement_views_dropped_total", "counter",
                          help: "Page views not counted because too many readers waited between two rollups.", value: readerLog.dropped, into: &text)
    }
}
