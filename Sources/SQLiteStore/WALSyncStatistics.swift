/// What the syncer thread did so far (`CommitSyncer`): for /metrics.
public struct WALSyncStatistics: Sendable {
    /// `fdatasync` calls of the WAL, and the time spent in them.
    public var syncs = 0
    public var nanos: UInt64 = 0
    /// Rests between flushes (`FlushPacing`), and their time.
    public var rests = 0
    public var restNanos: UInt64 = 0
}
