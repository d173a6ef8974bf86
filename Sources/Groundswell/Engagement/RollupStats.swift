import Synchronization
import Foundation
import HTTPServer

/// What the engagement rollup costs, for `/metrics`: runs that wrote, writes not made because
/// the marks had moved (stale windows), and the writer's time spent on all of them (the figure
/// to compare with vote throughput).
final class RollupStats: Sendable {
    private let runs = Atomic<Int>(0)
    private let stale = Atomic<Int>(0)
    private let nanoseconds = Atomic<Int>(0)

    /// The scheduler's batch size, from the cost of its last writes.
    private let batchSize = Mutex(RollupBatchSize())

    /// Runs one scheduled rollup write (on the writer) with the current batch size, counts its
    /// time and sizes the next batch from it. `body` returns nil when the window was stale (the
    /// marks had moved; nothing written).
    func scheduled(_ body: (_ batch: Int) throws -> EngagementRollup.Outcome?) rethrows -> EngagementRollup.Outcome? {
        let batch = batchSize.withLock { $0.rows }
        let (counted, seconds) = try counted { try body(batch) }
        guard var outcome = counted else { return nil }
        batchSize.withLock { $0.record(taken: outcome.taken, seconds: seconds) }
        outcome.seconds = seconds
        return outcome
    }

    /// Runs `body`, counts its time (a failed or stale write's too), a run if it wrote, a stale
    /// write if it returned nil; returns its outcome and time.
    private func counted(_ body: () throws -> EngagementRollup.Outcome?) rethrows -> (outcome: EngagementRollup.Outcome?, seconds: Double) {
        let start = DispatchTime.now().uptimeNanoseconds
        var outcome: EngagementRollup.Outcome?
        var finished = false
        defer {
            nanoseconds.add(Int(DispatchTime.now().uptimeNanoseconds - start), ordering: .relaxed)
            if finished && outcome == nil { stale.add(1, ordering: .relaxed) }
            if outcome?.wrote == true { runs.add(1, ordering: .relaxed) }
        }
        outcome = try body()
        finished = true
        return (outcome, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    /// The rows the next scheduled write will take in (tests).
    var nextBatch: Int { batchSize.withLock { $0.rows } }

    func render(readerLog: ReaderLog, into text: inout String) {
        MetricText.single("groundswell_engagement_rollup_runs_total", "counter", help: "Engagement rollup runs that took something in.",
                          value: runs.load(ordering: .relaxed), into: &text)
        MetricText.single("groundswell_engagement_rollup_stale_total", "counter",
                          help: "Scheduled rollup writes not made because the marks had moved since the window was read (a report's or another node's write); the window is read again.",
                          value: stale.load(ordering: .relaxed), into: &text)
        MetricText.single("groundswell_engagement_rollup_seconds_total", "counter", help: "Writer time spent in engagement rollups.",
                          value: Double(nanoseconds.load(ordering: .relaxed)) / 1e9, into: &text)
        MetricText.single("groundswell_engagement_views_dropped_total", "counter",
                          help: "Page views not counted because too many readers waited between two rollups.", value: readerLog.dropped, into: &text)
    }
}
