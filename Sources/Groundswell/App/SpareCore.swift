#if canImport(Glibc)
import Glibc
#endif

/// Whether the machine has a core to spare: work nobody waits for (an engagement report
/// recomputed in the background, start-up's warm-up of the console's reports) starts only then.
/// `SCHED_IDLE` alone was not enough: at a million customers the warm-up's ~10 s of reads under a
/// vote flood cost ~20 % more server CPU and ~50 MiB of peak memory, and its long read
/// transactions kept the WAL from being copied while votes poured in
/// (docs/performance.md, session 46). Skipped work is not lost: the scheduler warms again after
/// its next rollup, and a request computes the report it needs.
struct SpareCore: Sendable {
    /// How long the machine is watched before the answer.
    var window: Double = 0.25
    /// How much of one core must have stood idle meanwhile.
    var share: Double = 0.75
    /// The readings, injectable for tests.
    var read: @Sendable () -> CPUTimes? = { CPUTimes.read() }

    /// Watches the machine for `window` (blocking the calling thread, a background one) and says
    /// whether at least `share` of a core stood idle. True where the machine cannot be read: then
    /// `SCHED_IDLE` alone decides, as before.
    func available() -> Bool {
        guard let before = read() else { return true }
        usleep(useconds_t(window * 1_000_000))
        guard let after = read(), after.total > before.total else { return true }
        return after.idleCores(since: before) >= share
    }
}
