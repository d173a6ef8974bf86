/// How many `activity_days` entries one scheduled rollup write (a slice of a `RollupWindow`)
/// writes. Votes queued behind a rollup write wait for all of it: at 1,000,000 customers a
/// batch of 20,000 votes held the writer for 300–420 ms, so the slice is sized from the last
/// one's cost to take about `target` of writer time — half the 10 ms a vote's p99 may take
/// (the scheduler rests between slices while others write: `RoundScheduler.rollUpEngagement`).
struct RollupBatchSize: Sendable, Equatable {
    /// Writer time one batch should take, in seconds.
    static let target = 0.005
    static let smallest = 500
    static let largest = EngagementRollup.batch

    private(set) var rows = RollupBatchSize.largest

    /// After a write that took in `taken` rows in `seconds`. A small write (the last of a
    /// catch-up) says little about the cost of a row, so only one of at least `smallest` counts;
    /// a size changes by at most 4× a step, so one slow write (a checkpoint's stall) cannot
    /// shrink it to the floor.
    mutating func record(taken: Int, seconds: Double) {
        guard taken >= RollupBatchSize.smallest, seconds > 0 else { return }
        let fitting = Double(taken) * RollupBatchSize.target / seconds
        let bounded = min(Double(rows) * 4, max(Double(rows) / 4, fitting))
        rows = min(RollupBatchSize.largest, max(RollupBatchSize.smallest, Int(bounded)))
    }
}
