/// How many `activity_days` entries one scheduled rollup write (a slice of a `RollupWindow`)
/// writes. Votes queued behind a rollup write wait for all of it: at 1,000,000 customers a
/// batch of 20,000 votes held the writer for 300–420 ms, so the slice is sized from the last
/// one's cost to take about `target` of writer time (the scheduler rests between slices while
/// others write: `RoundScheduler.rollUpEngagement`). A vote queued behind a slice waits for it on
/// top of its own 3–5 ms at that size: 5 ms slices put the votes' p99 at 12–16 ms for the seconds a
/// rollup ran under a flood, 2 ms slices at 8–10 ms (docs/performance.md, session 44).
struct RollupBatchSize: Sendable, Equatable {
    /// Writer time one batch should take, in seconds.
    static let target = 0.002
    static let smallest = 500
    static let largest = EngagementRollup.batch

    /// The first write's cost is unknown, so it is the smallest: starting at the largest, the
    /// first slice after a start at 1,000,000 customers (20,000 entries: 54 ms of the writer, then
    /// the flush of the pages it dirtied) held votes up to 200–235 ms under a flood
    /// (docs/performance.md, session 44). Cheap writes grow it 4× a step (500, 2,000,
    /// 8,000, 20,000), so a small site reaches the largest batch within four writes.
    private(set) var rows = RollupBatchSize.smallest

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
