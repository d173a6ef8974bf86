import CLinux
import Foundation
import CSQLite

/// Copies the WAL into the database file on a thread of its own, so the writer never stalls
/// on a checkpoint. With SQLite's automatic checkpoint the commit that crosses the window
/// copies every page of it (thousands of random pages) and fsyncs the file before its batch
/// is answered: under random votes that stall made the vote p99 (docs/performance.md,
/// "Checkpoints off the writer", session 11).
///
/// A passive checkpoint never blocks the writer, but it copies only the frames that existed
/// when it began, and the WAL starts over only once every frame is copied. So after each pass
/// the writer looks at the frames appended meanwhile: many, another background pass; a few
/// (`tail`), it copies them itself between batches — a short stall — and its next transaction
/// starts the WAL over.
///
/// A pass's copies wait in the kernel's cache (up to `PacedVFS.budgetBytes`) instead of going to
/// the disk as they are made: the next pass, which under a flood comes at once, copies many of the
/// same pages again, and SQLite writes the file out once, with the fsync before the WAL starts over.
/// A pass that leaves only the writer's share writes its pages back itself, paced, so that the
/// writer's copy of the rest flushes only what it copied.
///
/// Passes run on `gs-checkpoint` at `SCHED_IDLE` with its I/O in the idle class. When the WAL
/// has grown to three windows all the same (the cores or the disk saturated for long), the
/// next pass runs on `gs-checkpoint-u` at normal priority: an unprivileged thread can lower its
/// priority but never raise it again (Linux refuses `SCHED_IDLE` → `SCHED_OTHER` without
/// `CAP_SYS_NICE`), so the urgent passes need a thread of their own. A pass on the idle thread
/// that spends most of its time waiting for a core is ended for them (an ended pass's copies count
/// for nothing, so one that waits for the disk instead is left to finish).
///
/// Once writes pause, the writer also gives the WAL file's space beyond `keepBytes` back
/// (`shrinkWhileIdle`).
/// `@unchecked Sendable`: `connection` is used by one pass at a time (`running`), `lastFrames` and
/// the shrinking's bookkeeping belong to the writer thread; the rest is guarded by `condition` (and
/// `sqlite3_interrupt` is thread-safe).
public final class WALCheckpointer: @unchecked Sendable {
    /// WAL frames (pages) that start a background pass.
    public let window: Int
    /// Seconds without a pass or a tail copy after one that a reader's snapshot kept from copying
    /// anything new: until that reader ends, the next would not either. Without the rest the
    /// writer asked again after every commit — 3,291 passes in a second of single-row commits in
    /// the test, 444–680 in 12 s of a vote flood at 1,000,000 ideas (docs/performance.md, session 46).
    static let stalledPassRest = 0.05
    /// Frames left after a pass that the writer copies itself (or two commits' worth, if more).
    public let tail: Int
    private let connection: Connection
    private let condition = NSCondition()
    private var pending = false
    private var running = false
    private var stopping = false
    /// The WAL has grown to three windows: the next pass runs on the normal-priority thread.
    private var urgent = false
    /// A pass is running on the idle thread (which an urgent one may end).
    private var idlePassRunning = false
    /// The idle thread's id, and since when the writer watches its pass: the time and the
    /// thread's wait for a core then (`clinux_thread_runqueue_wait`); nil until it first looks.
    private var idleThreadID: Int32 = 0
    private var idleWaitSince: (nanos: UInt64, waited: Int64)?
    /// When the writer last looked at whether the idle pass starves.
    private var lastStarvationCheck: UInt64 = 0
    /// Frames the last pass left copied; 0 once the WAL started over.
    private var backfilled = 0
    /// No pass is asked for and no tail copied before this time (monotonic nanoseconds): the last
    /// one copied nothing new (`stalledPassRest`).
    private var restUntil: UInt64 = 0
    private var passes = 0
    private var urgentPasses = 0
    private var writerPasses = 0
    /// Time the writer spent in those copies: every write waits meanwhile.
    private var writerNanos: UInt64 = 0
    private let finished = DispatchSemaphore(value: 0)
    /// Writer thread only: the WAL's frames after the previous commit.
    private var lastFrames = 0
    /// Writer thread only: the most frames one commit appended since the WAL started over.
    private var largestCommit = 0
    public let shrinking: WALShrinking
    /// The WAL file's size kept (`shrinking.keepBytes`, or one window of frames).
    public let keepBytes: Int
    /// A WAL frame's bytes (the page and its 24-byte header) and the WAL file's path.
    private let frameBytes: Int
    private let walPath: String
    /// Writer thread only: the WAL file may be larger than `keepBytes`, and how many idle
    /// calls in a row found nothing they could do yet (each doubles the wait before the next).
    private var shrinkDue = false
    private var shrinkDeferrals = 0
    /// Writer thread only: a commit has told the WAL's frames (`lastFrames`); until then nothing is
    /// cut (a WAL left by a crash holds frames the writer has not been told of).
    private var framesKnown = false
    /// Guarded by `condition`: the `truncate` calls made, the bytes they gave back and their time.
    private var shrinkSteps = 0
    private var bytesReturned = 0
    private var shrinkNanos: UInt64 = 0

    /// Opens a connection of its own to `path` and starts the checkpointer's two threads.
    public init(path: String, options: Connection.Options, window: Int, tail: Int = 256,
                shrinking: WALShrinking = WALShrinking()) throws {
        var own = options
        own.tokenizers = []
        own.rankings = []
        own.walAutocheckpoint = 0
        // A pass writes thousands of pages and SQLite fsyncs them at once: a queue the writer's
        // next WAL fsyncs would wait behind. Paced, they reach the disk a chunk at a time.
        own.vfs = try PacedVFS.paced()
        self.connection = try Connection(path: path, options: own)
        self.window = max(1, window)
        self.tail = max(1, min(tail, window))
        self.shrinking = shrinking
        frameBytes = Int(try connection.scalarInt("PRAGMA page_size") ?? 4096) + 24
        walPath = path + "-wal"
        keepBytes = shrinking.keepBytes ?? (32 + self.window * frameBytes)
        shrinkDue = Self.fileSize(walPath) > keepBytes  // a flood's WAL left by a crash
        for urgent in [false, true] {
            let thread = Thread { [unowned self] in
                clinux_name_thread(urgent ? "gs-checkpoint-u" : "gs-checkpoint")
                if !urgent {
                    // For good: an unprivileged thread cannot take either back.
                    _ = clinux_thread_idle_priority()
                    _ = clinux_thread_io_idle()
                    self.condition.lock()
                    self.idleThreadID = clinux_thread_id()
                    self.condition.unlock()
                }
                self.loop(urgent: urgent)
            }
            thread.stackSize = 256 << 10
            thread.start()
        }
    }

    /// Background passes (those at normal priority among them), the writer's own tail copies so
    /// far and the time they took.
    public var statistics: (passes: Int, urgentPasses: Int, writerPasses: Int, writerNanos: UInt64) {
        condition.lock()
        defer { condition.unlock() }
        return (passes, urgentPasses, writerPasses, writerNanos)
    }

    /// The WAL file's space given back so far (`shrinkWhileIdle`): `truncate` calls, bytes, time.
    public var shrinkStatistics: (steps: Int, bytes: Int, nanos: UInt64) {
        condition.lock()
        defer { condition.unlock() }
        return (shrinkSteps, bytesReturned, shrinkNanos)
    }

    /// Writer thread, after each commit, outside any transaction (the WAL's size is what the
    /// writer's WAL hook saw: `Connection.walFrames`).
    func committed(_ writer: Connection) {
        let frames = writer.walFrames
        condition.lock()
        if frames < lastFrames {  // the WAL started over
            backfilled = 0
            restUntil = 0
            largestCommit = frames
        } else {
            largestCommit = max(largestCommit, frames - lastFrames)
        }
        lastFrames = frames
        if liveBytes(frames) > keepBytes { shrinkDue = true }
        shrinkDeferrals = 0
        framesKnown = true
        let overgrown = frames >= 3 * window
        if running || stopping {
            if overgrown && !urgent {
                urgent = true  // a pass asked for but not yet taken goes to the urgent thread
                condition.broadcast()
            }
            if overgrown && idlePassRunning { endStarvingPass() }
            condition.unlock()
            return
        }
        if restUntil > 0 && DispatchTime.now().uptimeNanoseconds < restUntil {
            condition.unlock()
            return
        }
        let backlog = frames - backfilled
        let copyHere = backfilled > 0 && backlog <= writersShare
        if !copyHere && (backlog >= window || backfilled > 0) { askForPass(urgent: overgrown) }
        condition.unlock()
        if copyHere { copyTail(writer) }
    }

    /// Frames left after a pass that the writer copies itself. What a pass leaves is what commits
    /// appended while it ran: at least one commit's frames, so the writer's share must cover two of
    /// the largest, or it would never come. Under `condition`.
    private var writersShare: Int { min(window, max(tail, 2 * largestCommit)) }

    /// After a pass or a tail copy, under `condition`: if frames were left and none was copied
    /// beyond the `before` of the last one, a reader's snapshot holds them; rest a while.
    private func noteStall(_ result: (log: Int, backfilled: Int)?, before: Int) {
        guard let result, result.backfilled < result.log, result.backfilled <= before else { return }
        restUntil = DispatchTime.now().uptimeNanoseconds + UInt64(Self.stalledPassRest * 1e9)
    }

    /// Wakes a checkpointer thread for a pass. Under `condition`, with none running.
    private func askForPass(urgent: Bool) {
        running = true
        pending = true
        self.urgent = urgent
        condition.broadcast()
    }

    /// Writer thread: copies what is left of the WAL itself (every write waits meanwhile), timed.
    /// The WAL's frames and how many are in the database file now; nil if SQLite refused.
    @discardableResult
    private func copyTail(_ writer: Connection) -> (log: Int, backfilled: Int)? {
        let start = DispatchTime.now().uptimeNanoseconds
        let result = try? writer.checkpointPassive()
        let elapsed = DispatchTime.now().uptimeNanoseconds - start
        condition.lock()
        noteStall(result, before: backfilled)
        backfilled = result?.backfilled ?? 0
        writerPasses += 1
        writerNanos += elapsed
        condition.unlock()
        return result
    }

    /// Writer thread: how long to wait for a write before calling `shrinkWhileIdle`; nil when the
    /// WAL file has nothing to give back, or before the first commit tells its frames.
    var idleWorkAfter: Double? {
        shrinkDue && framesKnown ? shrinking.idleAfter * Double(1 << min(shrinkDeferrals, 5)) : nil
    }

    /// Writer thread, once no write has come for `idleWorkAfter`: cuts the WAL file back to
    /// `keepBytes`, a step at a time while `stillIdle()`.
    ///
    /// Only bytes past the WAL's last frame may go (`walFrames`: what SQLite told after this
    /// writer's last commit), and only this thread appends frames, so between its transactions
    /// nothing else can write there. When the frames themselves fill more than is kept (a flood's
    /// cycle), the WAL must start over first (`startOver`).
    func shrinkWhileIdle(_ writer: Connection, stillIdle: () -> Bool) {
        guard shrinkDue && framesKnown else { return }
        let size = Self.fileSize(walPath)
        guard size > keepBytes else {
            shrinkDue = false
            shrinkDeferrals = 0
            return
        }
        shrinkDeferrals += 1
        if liveBytes(writer.walFrames) > keepBytes {
            guard startOver(writer) else { return }
        }
        let target = max(liveBytes(writer.walFrames), keepBytes)
        if cut(from: size, to: target, stillIdle: stillIdle) {
            shrinkDue = false
            shrinkDeferrals = 0
        }
    }

    /// The WAL file's bytes up to its last frame.
    private func liveBytes(_ frames: Int) -> Int { frames == 0 ? 0 : 32 + frames * frameBytes }

    /// Writer thread: makes SQLite start the WAL over, which it does at a commit once every frame
    /// is in the database file and no reader reads one: if many are left a pass copies them (as the
    /// next commit would ask), a few the writer copies itself, then it commits one unchanged page
    /// (`user_version`). False while a pass runs or a reader still reads the old frames: the next
    /// idle call tries again, each waiting twice as long, up to 32 times.
    private func startOver(_ writer: Connection) -> Bool {
        condition.lock()
        if running || stopping {
            condition.unlock()
            return false
        }
        if lastFrames - backfilled > writersShare {
            askForPass(urgent: false)
            condition.unlock()
            return false
        }
        condition.unlock()
        guard let (log, copied) = copyTail(writer) else { return false }
        guard copied >= log else { return false }  // a reader's snapshot still needs frames
        guard log > 0 else { return true }
        guard let version = (try? writer.scalarInt("PRAGMA user_version")) ?? nil,
              (try? writer.execute("PRAGMA user_version = \(version)")) != nil else { return false }
        committed(writer)
        return writer.walFrames < log
    }

    /// Writer thread: truncates the WAL file from `size` to `target`, `shrinking.step` bytes at a
    /// time while `stillIdle()`. Whether it got there. By path: closing a descriptor of our own on
    /// a file would drop every POSIX lock this process holds on it (SQLite's among them).
    private func cut(from size: Int, to target: Int, stillIdle: () -> Bool) -> Bool {
        var size = size
        while size > target && stillIdle() {
            let next = max(target, size - shrinking.step)
            let start = DispatchTime.now().uptimeNanoseconds
            guard truncate(walPath, off_t(next)) == 0 else { return false }
            let elapsed = DispatchTime.now().uptimeNanoseconds - start
            condition.lock()
            shrinkSteps += 1
            bytesReturned += size - next
            shrinkNanos += elapsed
            condition.unlock()
            size = next
        }
        return size <= target
    }

    private static func fileSize(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : 0
    }

    /// Writer thread, under `condition`, while the WAL is overgrown, at most every 100 ms: ends the
    /// idle thread's pass (at its next page; the next commit asks the urgent thread for one) if,
    /// since the writer first looked at it 100 ms or more ago, it has waited for a core for more
    /// than half of the time. Only here is the thread's schedstat read: never on a normal pass.
    private func endStarvingPass() {
        let now = DispatchTime.now().uptimeNanoseconds
        guard now - lastStarvationCheck >= 100_000_000 else { return }
        lastStarvationCheck = now
        let waited = clinux_thread_runqueue_wait(idleThreadID)
        guard waited >= 0 else { return }  // no schedstat: the pass is left to finish
        guard let since = idleWaitSince else {
            idleWaitSince = (now, waited)
            return
        }
        let elapsed = now - since.nanos
        if elapsed >= 100_000_000 && waited > since.waited && UInt64(waited - since.waited) * 2 > elapsed {
            sqlite3_interrupt(connection.handle)
        }
    }

    /// Writer thread: ends a pass in progress (SQLite checks for interrupts between pages) and
    /// waits until it has let go, so that a checkpoint that must happen now — an erasure's —
    /// can take the checkpoint lock, which SQLite never waits for. No pass starts until the
    /// writer's next commit.
    func yieldToBlockingCheckpoint() {
        condition.lock()
        defer { condition.unlock() }
        guard running else { return }
        sqlite3_interrupt(connection.handle)
        while running { condition.wait() }
    }

    /// Stops both threads, ending a pass in progress.
    func stop() {
        condition.lock()
        guard !stopping else {
            condition.unlock()
            return
        }
        stopping = true
        condition.broadcast()
        condition.unlock()
        sqlite3_interrupt(connection.handle)
        finished.wait()
        finished.wait()
        connection.close()
    }

    private func loop(urgent forUrgent: Bool) {
        while true {
            condition.lock()
            while !(pending && urgent == forUrgent) && !stopping { condition.wait() }
            if stopping {
                if pending {  // a pass asked for but never begun
                    pending = false
                    running = false
                }
                condition.broadcast()
                condition.unlock()
                break
            }
            pending = false
            idlePassRunning = !forUrgent
            idleWaitSince = nil
            let backfilledBefore = backfilled
            condition.unlock()
            let result = try? connection.checkpointPassive()
            let copied = result?.backfilled
            if let result, result.backfilled < result.log {
                condition.lock()
                let writerCopiesNext = result.log - result.backfilled <= writersShare
                condition.unlock()
                // The writer copies what is left and fsyncs the file, with every write waiting: the
                // pages this pass left in the kernel's cache are written back here first, paced.
                // Otherwise they wait for the next pass, which will likely copy many of them again.
                if writerCopiesNext { connection.writeBackCopiedPages() }
            }
            condition.lock()
            noteStall(result, before: backfilledBefore)
            // An interrupted pass copied some pages but reports nothing: the next one redoes them.
            backfilled = copied ?? 0
            idlePassRunning = false
            running = false
            passes += 1
            if forUrgent { urgentPasses += 1 }
            condition.broadcast()
            condition.unlock()
        }
        finished.signal()
    }
}
