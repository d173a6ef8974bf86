import Synchronization
import Foundation

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
        text += "# HELP groundswell_engagement_rollup_runs_total Engagement rollup runs that took something in.\n"
        text += "# TYPE groundswell_engagement_rollup_runs_total counter\n"
        text += "groundswell_engagement_rollup_runs_total \(runs.load(ordering: .relaxed))\n"
        text += "# HELP groundswell_engagement_rollup_seconds_total Writer time spent in engagement rollups.\n"
        text += "# TYPE groundswell_engagement_rollup_seconds_total counter\n"
        text += "groundswell_engagement_rollup_seconds_total \(Double(nanoseconds.load(ordering: .relaxed)) / 1e9)\n"
        text += "# HELP groundswell_engagement_views_dropped_total Page views not counted because too many readers waited between two rollups.\n"
        text += "# TYPE groundswell_engagement_views_dropped_total counter\n"
        text += "groundswell_engagement_views_dropped_total \(readerLog.dropped)\n"
    }
}
