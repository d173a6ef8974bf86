/// When the syncer's next flush of the WAL may start: group commit with a rest, like
/// PostgreSQL's `commit_delay`, but only while flushes carry few jobs.
///
/// A flush has a cost of its own besides its jobs': the `fdatasync`, the disk's write and cache
/// flush, and on a virtual machine the host's I/O work, which runs on the cores the guest is
/// using (docs/performance.md, session 26: 2 busy cores plus a loop of synced writes lose 14 % to
/// steal, none without the writes; under the 90/10 mix ~70 µs of steal per flush). A flush that
/// carries 20 votes spreads that over them; one that carries 2 does not. So when the jobs that
/// arrive in one flush's time are few, the disk rests after each flush twice as long as a flush
/// takes (at most `maxRest`), and the batches committed meanwhile share the next one (twice rather
/// than once: the 90/10 mix at 2,000 and 200,000 customers +1 to +9 % and p99 6.6–7.3 ms against
/// 7.8–9.2 ms; one hot idea −7 to +4 %). When many arrive, resting would only add latency; when
/// fewer than `someJobs` arrive (one client writing after each answer), nobody would join, and
/// resting would only add latency too (PostgreSQL's `commit_siblings` serves the same end).
/// Judged by the arrival rate, not by the last flush's size, so resting (which fills the
/// flushes) does not switch itself off. An idle server flushes at once: the rest counts from
/// the end of the last flush.
struct FlushPacing {
    /// The longest rest: a slow flush (a checkpoint's writes ahead of it) must not hold the
    /// next one back for long.
    static let maxRest: UInt64 = 2_000_000
    /// Jobs arriving per flush time from which, and below which, the disk rests.
    static let someJobs = 1.0
    static let fewJobs = 8.0

    /// When the last flush started and ended (monotonic nanoseconds).
    private(set) var lastStart: UInt64 = 0
    private(set) var lastEnd: UInt64 = 0
    /// Running averages (weight 1/8 for each new flush) over the stretches between the starts of
    /// consecutive flushes: the stretch's length (an idle one counts as `longestGap`), the jobs of
    /// the flush that ends it (they arrived during it) and the duration of the flush that begins
    /// it. The arrival rate is the ratio of averages over the same stretches, not an average of
    /// ratios: for one client writing after each answer each stretch is longer than its flush,
    /// so the rate stays below one job per flush time however much the flushes' durations vary.
    private(set) var flushNanos: Double = 0
    private(set) var jobs: Double = 0
    private(set) var gapNanos: Double = 0
    private var lastDuration: Double = 0
    static let longestGap = 100_000_000.0

    /// Notes a flush of `count` jobs that ran from `start` to `end`.
    mutating func flushed(jobs count: Int, start: UInt64, end: UInt64) {
        if lastStart != 0 {
            let gap = min(Double(start &- lastStart), FlushPacing.longestGap)
            if gapNanos == 0 {
                (flushNanos, jobs, gapNanos) = (lastDuration, Double(count), gap)
            } else {
                flushNanos += (lastDuration - flushNanos) / 8
                jobs += (Double(count) - jobs) / 8
                gapNanos += (gap - gapNanos) / 8
            }
        }
        lastDuration = Double(end &- start)
        lastStart = start
        lastEnd = end
    }

    /// Jobs expected to arrive during one flush at the recent rate.
    var jobsPerFlushTime: Double { gapNanos > 0 ? jobs * flushNanos / gapNanos : 0 }

    /// Nanoseconds until the next flush may start (0: now).
    func rest(at now: UInt64) -> UInt64 {
        let arriving = jobsPerFlushTime
        guard gapNanos > 0, arriving >= FlushPacing.someJobs, arriving < FlushPacing.fewJobs else { return 0 }
        let earliest = lastEnd &+ min(UInt64(2 * flushNanos), FlushPacing.maxRest)
        return earliest > now ? earliest - now : 0
    }
}
