import CLinux
import Foundation
import Logging
import Synchronization

/// Closes rounds when their voting ends and draws lotteries when submissions close,
/// checking once a second (and once at start-up, for anything that came due while the
/// server was down). Requests that arrive first do the same work; closing is idempotent.
/// `@unchecked Sendable`: `stopped` and `thread` are guarded by `condition` (a condition
/// variable, which `Mutex` does not offer); the purge clock is a `Mutex`.
final class RoundScheduler: @unchecked Sendable {
    private let context: AppContext
    private let interval: Double
    private let condition = NSCondition()
    private var stopped = false
    private var thread: Thread?
    private let finished = DispatchSemaphore(value: 0)
    /// When the last purge started. The scheduler thread and callers of `runOnce()` (start-up,
    /// tests, requests) race for it: claiming a purge is one atomic step, so one runs per minute.
    private let lastPurge = Mutex<Int64>(0)
    /// Purges run so far (for tests).
    let purges = Atomic<Int>(0)
    /// Engagement rollup passes finished so far, with or without anything to take in (for tests).
    let rollupPasses = Atomic<Int>(0)

    /// Milliseconds between engagement rollups of contributions (0: only on demand).
    private let rollupEvery: Int64
    private let lastRollup = Mutex<Int64>(0)

    init(context: AppContext, interval: Double, rollupInterval: Double = 60) {
        self.context = context
        self.interval = interval
        rollupEvery = Int64(rollupInterval * 1000)
    }

    /// Runs due work now, on the caller's thread (blocks until committed).
    func runOnce() {
        let now = context.clock.nowMillis()
        catchUpRounds(now: now)
        let due = lastPurge.withLock { last -> Bool in
            guard now - last >= 60_000 else { return false }
            last = now
            return true
        }
        if due {
            purge(now: now)
            // Search lengths that could not be loaded (ideas kept changing, a read failed): again.
            SearchRanking.loadLengths(context)
        }
        if rollupEvery > 0, lastRollup.withLock({ last -> Bool in
            guard now - last >= rollupEvery else { return false }
            last = now
            return true
        }) {
            rollUpEngagement(now: now)
        }
    }

    /// Closes the rounds and draws the lotteries that are due (at start-up: what came due while
    /// the server was down, before any request is served).
    func catchUpRounds(now: Int64) {
        do {
            let rounds = try context.database.writer.sync { db in try RoundMaintenance.catchUpAll(db, now: now) }
            if !rounds.isEmpty { context.logger.info("scheduler: closed or drew \(rounds.count) round(s)") }
            for id in rounds { context.live.changed(.round(id)) }
        } catch {
            context.logger.error("scheduler: \(error)")
        }
    }

    /// When the engagement rollup last took in page views (once a minute, so an idle site
    /// commits — and retires the page caches — at most that often).
    private let lastViewFlush = Mutex<Int64>(0)

    func rollUpEngagement(now: Int64) {
        defer { rollupPasses.add(1, ordering: .releasing) }
        let flushViews = lastViewFlush.withLock { last -> Bool in
            guard now - last >= 60_000 || context.readerLog.pending > ReaderLog.capacity / 2 else { return false }
            last = now
            return true
        }
        // Views go with the pass's first write; back to the log if it is never made.
        var pendingViews = flushViews ? context.readerLog.drain() : [:]
        defer { context.readerLog.restore(pendingViews) }
        do {
            let behind = try context.read { db in try EngagementRollup.behind(db) }
            var caughtUp = !behind && pendingViews.isEmpty
            let window = context.rollupWindow
            // Slices of a window (`RollupWindow`, aggregated on a reader) of about 5 ms of writer
            // time each (`RollupBatchSize`), each its own write, so votes queued meanwhile commit
            // between them. Between slices, a rest while others write (`RollupPacing`: the rollup
            // takes a quarter of a busy writer), and the rounds that came due meanwhile.
            var taken = 0
            var open = window.take()
            var roundsCheckedAt = DispatchTime.now().uptimeNanoseconds
            while !caughtUp && taken < EngagementRollup.passLimit {
                let commitsBefore = context.database.writer.commitCount
                let outcome = try EngagementRollup.scheduledWrite(context, window: &open, views: pendingViews)
                if outcome.gaveUp { break }
                pendingViews = [:]
                taken += max(1, outcome.taken)
                caughtUp = !outcome.more
                if caughtUp { break }
                let othersWrote = context.database.writer.commitCount &- commitsBefore > 1
                guard rest(RollupPacing.rest(after: outcome.seconds, othersWrote: othersWrote)) else { break }
                if DispatchTime.now().uptimeNanoseconds - roundsCheckedAt >= UInt64(min(max(interval, 0), 3_600) * 1e9) {
                    catchUpRounds(now: context.clock.nowMillis())
                    roundsCheckedAt = DispatchTime.now().uptimeNanoseconds
                }
            }
            window.keep(open)
            // Reports of the console's default views, once the rollup holds everything.
            if caughtUp { EngagementRoutes.warm(context) }
        } catch {
            context.logger.error("scheduler: engagement rollup failed: \(error)")
        }
    }

    /// Waits `seconds` unless the scheduler is stopping; false when it is.
    private func rest(_ seconds: Double) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if seconds > 0 && !stopped { _ = condition.wait(until: Date(timeIntervalSinceNow: seconds)) }
        return !stopped
    }

    /// Forgets hashed client addresses past the retention period and expired idempotency keys.
    func purge(now: Int64) {
        purges.add(1, ordering: .relaxed)
        do {
            if try context.addressKeys.rotateIfDue(now: now, client: context.client) {
                context.logger.info("scheduler: address key reached \(context.retainDays) days and was replaced")
            }
        } catch {
            context.logger.error("scheduler: address key rotation failed: \(error)")
        }
        let cutoff = now - Int64(context.retainDays) * 86_400_000
        do {
            try context.database.writer.sync { db in
                try RetentionStore.purge(db, addressHashesBefore: cutoff, replayKeysBefore: now - IdempotencyMiddleware.retentionMillis)
                try SessionStore.purgeExpired(db, now: now)
                try StaffSessionStore.purgeExpired(db, now: now)
            }
        } catch {
            context.logger.error("scheduler: purge failed: \(error)")
        }
    }

    func start() {
        let thread = Thread { [self] in
            clinux_name_thread("gs-scheduler")
            while true {
                condition.lock()
                if !stopped { _ = condition.wait(until: Date(timeIntervalSinceNow: interval)) }
                let done = stopped
                condition.unlock()
                if done { break }
                runOnce()
            }
            finished.signal()
        }
        self.thread = thread
        thread.start()
    }

    func stop() {
        condition.lock()
        stopped = true
        // The scheduler's thread, and a `runOnce()` caller resting between rollup writes.
        condition.broadcast()
        condition.unlock()
        if thread != nil { finished.wait() }
    }
}
