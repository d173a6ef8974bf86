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
        let start = DispatchTime.now().uptimeNanoseconds
        defer {
            runs.add(1, ordering: .relaxed)
            nanoseconds.add(Int(DispatchTime.now().uptimeNanoseconds - start), ordering: .relaxed)
        }
        return try body()
    }

    func render(readerLog: ReaderLog, into text: inout String) {
        MetricText.single("groundswell_engagement_rollup_runs_total", "counter", help: "Engagement rollup runs that took something in.",
                          value: runs.load(ordering: .relaxed), into: &text)
        MetricText.single("groundswell_engagement_rollup_seconds_total", "counter", help: "Writer time spent in engagement rollups.",
                          value: Double(nanoseconds.load(ordering: .relaxed)) / 1e9, into: &text)
        MetricText.single("groundswell_engagement_views_dropped_total", "counter",
                          help: "Page views not counted because too many readers waited between two rollups.", value: readerLog.dropped, into: &text)
    }
}
