/// When and how the writer gives a WAL file's space back after a flood (`WALCheckpointer`).
///
/// SQLite reuses its WAL file from the start once every frame is in the database file, but never
/// makes it smaller: after a flood at 1,000,000 ideas it stayed at ~2.5 GB, four times what one
/// checkpoint window needs. `journal_size_limit` cuts it back inside the first commit after the WAL
/// starts over, a single `ftruncate` that held every vote 226–251 ms (ext4 freeing the blocks;
/// docs/performance.md, session 38). Here the writer cuts it only once no write has come for
/// `idleAfter` seconds, `step` bytes per `truncate`, and stops as soon as a write is waiting: a write
/// waits for one step at most.
public struct WALShrinking: Sendable {
    /// Seconds without a write before the writer starts.
    public var idleAfter: Double
    /// The size the WAL file may keep; nil: one checkpoint window of frames, what the WAL reaches
    /// between passes anyway (a smaller size would only be grown again by the next window).
    public var keepBytes: Int?
    /// Bytes one `truncate` gives back.
    public var step: Int

    public init(idleAfter: Double = 0.1, keepBytes: Int? = nil, step: Int = 16 << 20) {
        self.idleAfter = max(0.001, idleAfter)
        self.keepBytes = keepBytes.map { max(0, $0) }
        self.step = max(64 << 10, step)
    }
}
