/// How long the scheduler rests after a rollup write while others write too. A rollup that
/// catches up after a minute of votes at a million customers is seconds of writer time; written
/// back to back, its slices held about half of the writer, and every vote queued behind one
/// waited for it. Resting `restPerWriterSecond` times a slice's writer time keeps the rollup to
/// a quarter of the writer while votes pour in; on a quiet writer it runs at full speed.
struct RollupPacing: Sendable, Equatable {
    /// The rollup's share of the writer under competition is 1 / (1 + this).
    static let restPerWriterSecond = 3.0
    /// A write slowed by a stall (a checkpoint, a slow flush) does not buy a long rest.
    static let longestRest = 0.25

    /// Seconds to rest after a write that took `seconds` of the writer, when `othersWrote`
    /// (other transactions committed while it waited and ran).
    static func rest(after seconds: Double, othersWrote: Bool) -> Double {
        guard othersWrote, seconds > 0 else { return 0 }
        return min(longestRest, seconds * restPerWriterSecond)
    }
}
