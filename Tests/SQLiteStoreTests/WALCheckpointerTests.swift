import CSQLitePacing
import CLinux
import Foundation
import Synchronization
import TestSupport
import XCTest
@testable import SQLiteStore

/// The background checkpointer: the WAL stays bounded under a steady stream of random writes
/// (passes run, the writer copies the tails, the WAL starts over), nothing is lost, readers keep
/// reading meanwhile, and a blocking checkpoint (erasure, shutdown) is not held up by a pass.
final class WALCheckpointerTests: DatabaseFileTestCase {
    /// Random keys into an index: every write dirties pages all over the file, as votes do.
    /// `shrinking`: by default the WAL file is never cut back (the other tests look at its size).
    private func makeWriter(window: Int, tail: Int, shrinking: WALShrinking = WALShrinking(keepBytes: 1 << 40))
        throws -> (GroupCommitWriter, WALCheckpointer) {
        let connection = try Connection(path: path)
        try connection.execute("""
            CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER NOT NULL, pad BLOB NOT NULL);
            CREATE INDEX t_k ON t (k);
            """)
        let checkpointer = try WALCheckpointer(path: path, options: Connection.Options(), window: window, tail: tail,
                                               shrinking: shrinking)
        return (GroupCommitWriter(connection: connection, checkpointer: checkpointer), checkpointer)
    }

    private static func write(_ writer: GroupCommitWriter, rows: Int, from first: Int) {
        let group = DispatchGroup()
        for i in first..<(first + rows) {
            group.enter()
            writer.submit({ db in
                try db.run("INSERT INTO t (id, k, pad) VALUES (?, ?, zeroblob(200))", [Int64(i), Int64.random(in: 0..<1_000_000_000)])
            }) { _ in group.leave() }
        }
        group.wait()
    }

    func testTheWALStaysBoundedAndStartsOverUnderSteadyWrites() throws {
        let (writer, checkpointer) = try makeWriter(window: 300, tail: 64)
        // One stream of batches with no pause between them (a pass that finds the writer idle
        // could copy everything itself), the WAL's size sampled meanwhile.
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            Self.write(writer, rows: 40_000, from: 0)
            done.signal()
        }
        var largestWAL = 0
        while done.wait(timeout: .now() + .milliseconds(1)) == .timedOut {
            largestWAL = max(largestWAL, walBytes())
        }
        let statistics = checkpointer.statistics
        XCTAssertGreaterThan(statistics.passes, 0, "background passes ran")
        XCTAssertGreaterThan(statistics.writerPasses, 0, "the writer copied the tails that let the WAL start over")
        XCTAssertGreaterThan(statistics.writerNanos, 0, "and the time it stood still for them is counted")
        // 40,000 rows with random index keys write many thousand frames in all; the WAL file
        // is reused from its start, so it never holds more than a few windows of them.
        XCTAssertEqual(try writer.sync { try $0.scalarInt("SELECT COUNT(*) FROM t") }, 40_000)
        XCTAssertLessThan(largestWAL, 12 * 300 * 4_120, "the WAL grew to \(largestWAL) bytes")
        writer.close()
        let reopened = try Connection(path: path)
        XCTAssertEqual(try reopened.queryOne("PRAGMA integrity_check") { $0.string(0) }, "ok")
        XCTAssertEqual(try reopened.scalarInt("SELECT COUNT(*) FROM t"), 40_000)
        XCTAssertEqual(walBytes(), 0, "the last checkpoint at shutdown truncated the WAL")
    }

    /// With every core busy the idle thread's pass may not run for minutes. Once the WAL reaches
    /// three windows that pass, waiting for a core, is ended and the next runs on `gs-checkpoint-u`
    /// at normal priority: a thread at `SCHED_IDLE` cannot leave it without `CAP_SYS_NICE`, so the
    /// checkpointer never tries; the idle thread stays idle.
    func testPassesMoveToTheNormalPriorityThreadWhenTheWALOvergrows() throws {
        XCTAssertGreaterThanOrEqual(clinux_thread_runqueue_wait(clinux_thread_id()), 0, "the kernel keeps schedstat")
        let (writer, checkpointer) = try makeWriter(window: 300, tail: 64)
        let spinning = Atomic<Bool>(true)
        let spinners = DispatchGroup()
        for _ in 0...ProcessInfo.processInfo.activeProcessorCount {
            spinners.enter()
            Thread {
                var n = 0
                while spinning.load(ordering: .relaxed) { n &+= 1 }
                spinners.leave()
            }.start()
        }
        // Rounds of rows, so that commits keep coming (the writer looks at the WAL after each),
        // until a pass has run on the urgent thread or 200,000 rows are in.
        var rows = 0
        repeat {
            Self.write(writer, rows: 1_000, from: rows)
            rows += 1_000
        } while checkpointer.statistics.urgentPasses == 0 && rows < 200_000
        spinning.store(false, ordering: .relaxed)
        spinners.wait()
        let statistics = checkpointer.statistics
        XCTAssertGreaterThan(statistics.urgentPasses, 0, "passes at normal priority ran: \(statistics)")
        XCTAssertLessThanOrEqual(statistics.urgentPasses, statistics.passes)
        let threads = ProcessThread.all()
        let policies = { (name: String) in Set(threads.filter { $0.name == name }.map(\.policy)) }
        XCTAssertEqual(policies("gs-checkpoint"), [5], "SCHED_IDLE")
        XCTAssertEqual(policies("gs-checkpoint-u"), [0], "SCHED_OTHER")
        XCTAssertEqual(try writer.sync { try $0.scalarInt("SELECT COUNT(*) FROM t") }, Int64(rows))
        writer.close()
        XCTAssertEqual(try Connection(path: path).queryOne("PRAGMA integrity_check") { $0.string(0) }, "ok")
    }

    /// A pass that a reader's snapshot stops short, leaving no more than the writer's share, writes
    /// back what it copied (below the budget the paced VFS would keep it in the kernel's cache):
    /// the writer's own copy of the rest fsyncs the file, with every write waiting, so it should
    /// find only its own pages waiting. Only the pass can have written back here: no batch follows
    /// it, and the reader keeps the WAL from being copied whole (no fsync of the file).
    func testAPassThatLeavesTheWritersShareWritesBackWhatItCopied() throws {
        let (writer, checkpointer) = try makeWriter(window: 1_200, tail: 1_200)
        let pageSize = try writer.sync { try $0.scalarInt("PRAGMA page_size") } ?? 4_096
        func frames() -> Int { max(0, walBytes() - 32) / (24 + Int(pageSize)) }
        var next: Int64 = 0
        func write(untilFrames target: Int) throws {
            while frames() < target {
                try writer.sync { db in
                    try db.run("INSERT INTO t (id, k, pad) VALUES (?, ?, zeroblob(200))", [next, Int64.random(in: 0..<1_000_000_000)])
                }
                next += 1
            }
        }
        try write(untilFrames: 900)
        let reader = try Connection(path: path)
        try reader.execute("BEGIN")
        let pinned = try reader.scalarInt("SELECT COUNT(*) FROM t")
        XCTAssertEqual(checkpointer.statistics.passes, 0, "no pass before the window")
        let before = csqlite_pacing_steps()
        try write(untilFrames: 1_200)  // the commit that reaches the window asks for a pass
        let deadline = Date(timeIntervalSinceNow: 20)
        while checkpointer.statistics.passes == 0 && Date() < deadline { usleep(2_000) }
        XCTAssertEqual(checkpointer.statistics.passes, 1)
        XCTAssertEqual(checkpointer.statistics.writerPasses, 0, "the writer copied nothing itself")
        // Far below the budget: without the pass's write-back nothing would have been written back.
        XCTAssertGreaterThanOrEqual(csqlite_pacing_steps() - before, 1, "the pass wrote back its copies")
        try reader.execute("COMMIT")
        XCTAssertEqual(try writer.sync { try $0.scalarInt("SELECT COUNT(*) FROM t") }, next)
        XCTAssertEqual(pinned.map { $0 < next }, true)
        writer.close()
        XCTAssertEqual(try Connection(path: path).queryOne("PRAGMA integrity_check") { $0.string(0) }, "ok")
    }

    /// The checkpointer's passes are background work in the disk's queue too: its thread's I/O is
    /// in the idle class, so the WAL flushes a vote waits for are sent ahead of a pass's writes.
    func testTheCheckpointersWritesAreInTheIdleIOClass() throws {
        let (writer, _) = try makeWriter(window: 300, tail: 64)
        defer { writer.close() }
        Self.write(writer, rows: 100, from: 0)
        let classes = ProcessThread.all().filter { $0.name == "gs-checkpoint" }.map { clinux_thread_io_class($0.id) }
        XCTAssertFalse(classes.isEmpty, "a checkpointer thread runs")
        XCTAssertEqual(Set(classes), [3], "IOPRIO_CLASS_IDLE on every checkpointer thread: \(classes)")
        // The writer's own thread keeps the default class (none: the CPU nice value's best-effort level).
        let writerClass = try writer.sync { _ in clinux_thread_io_class(0) }
        XCTAssertEqual(writerClass, 0)
    }

    func testWithoutABackgroundPassSQLitesOwnCheckpointIsOff() throws {
        // The writer's WAL hook replaces the automatic checkpoint: below the window nothing is copied.
        let (writer, checkpointer) = try makeWriter(window: 100_000, tail: 64)
        Self.write(writer, rows: 30_000, from: 0)
        XCTAssertEqual(checkpointer.statistics.passes, 0)
        let frames = try writer.sync { db in db.walFrames }
        XCTAssertGreaterThan(frames, 1_000, "past SQLite's default window of 1,000 pages, and never checkpointed")
        XCTAssertGreaterThanOrEqual(walBytes(), frames * 4_096)
        writer.close()
    }

    func testReadersSeeEveryCommitWhilePassesRun() throws {
        let (writer, checkpointer) = try makeWriter(window: 200, tail: 32)
        let reader = try Connection(path: path)
        for round in 0..<20 {
            Self.write(writer, rows: 400, from: round * 400)
            // Every committed row is visible, whichever of the WAL and the file holds it now.
            XCTAssertEqual(try reader.scalarInt("SELECT COUNT(*) FROM t"), Int64((round + 1) * 400))
            XCTAssertEqual(try reader.scalarInt("SELECT COUNT(*) FROM t INDEXED BY t_k WHERE k >= 0"), Int64((round + 1) * 400))
        }
        XCTAssertGreaterThan(checkpointer.statistics.passes, 0)
        writer.close()
    }

    /// Waits up to `seconds` for the WAL file to be at most `bytes`; its last size.
    private func waitForWAL(atMost bytes: Int, seconds: Double = 20) -> Int {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while walBytes() > bytes && Date() < deadline { usleep(10_000) }
        return walBytes()
    }

    /// After a stream of writes whose WAL started over several times (passes ran), the file is cut
    /// back to what may be kept once writes pause, and everything written is still there.
    func testTheWALFileIsCutBackOnceWritesPause() throws {
        let keep = 256 << 10
        let (writer, checkpointer) = try makeWriter(window: 300, tail: 64,
                                                    shrinking: WALShrinking(idleAfter: 0.05, keepBytes: keep, step: 128 << 10))
        var largestWAL = 0
        for round in 0..<8 {
            Self.write(writer, rows: 5_000, from: round * 5_000)
            largestWAL = max(largestWAL, walBytes())
        }
        XCTAssertGreaterThan(largestWAL, 4 * keep, "the writes grew the WAL file")
        XCTAssertLessThanOrEqual(waitForWAL(atMost: keep), keep, "cut back to what is kept")
        let statistics = checkpointer.shrinkStatistics
        XCTAssertGreaterThan(statistics.steps, 1, "in several steps of 128 KiB")
        XCTAssertGreaterThan(statistics.bytes, 0)
        // Writing again reuses and grows the file; every row stays.
        Self.write(writer, rows: 2_000, from: 40_000)
        XCTAssertEqual(try writer.sync { try $0.scalarInt("SELECT COUNT(*) FROM t") }, 42_000)
        writer.close()
        let reopened = try Connection(path: path)
        XCTAssertEqual(try reopened.queryOne("PRAGMA integrity_check") { $0.string(0) }, "ok")
        XCTAssertEqual(try reopened.scalarInt("SELECT COUNT(*) FROM t"), 42_000)
    }

    /// By default the file keeps one checkpoint window of frames, what it reaches between passes
    /// anyway: a reader holding an old snapshot keeps the WAL from starting over, so it grows to many
    /// windows; once the reader is done and writes pause, the file is cut back to one window.
    func testByDefaultTheWALFileKeepsOneWindow() throws {
        let (writer, checkpointer) = try makeWriter(window: 300, tail: 64, shrinking: WALShrinking(idleAfter: 0.05, step: 256 << 10))
        XCTAssertEqual(checkpointer.keepBytes, 32 + 300 * 4_120)
        Self.write(writer, rows: 100, from: 0)
        let reader = try Connection(path: path)
        try reader.execute("BEGIN")
        XCTAssertEqual(try reader.scalarInt("SELECT COUNT(*) FROM t"), 100)
        for round in 0..<4 { Self.write(writer, rows: 5_000, from: 100 + round * 5_000) }
        XCTAssertGreaterThan(walBytes(), 4 * checkpointer.keepBytes, "the WAL could not start over under the reader")
        try reader.execute("COMMIT")
        XCTAssertEqual(waitForWAL(atMost: checkpointer.keepBytes), checkpointer.keepBytes, "cut back to one window")
        XCTAssertGreaterThan(checkpointer.shrinkStatistics.steps, 0)
        XCTAssertEqual(try reader.scalarInt("SELECT COUNT(*) FROM t"), 20_100)
        writer.close()
        XCTAssertEqual(try Connection(path: path).queryOne("PRAGMA integrity_check") { $0.string(0) }, "ok")
    }

    /// Writes that stop before any pass ran leave a WAL of nothing but frames: a pass copies them,
    /// the writer makes the WAL start over, and the file is cut back to its first frames. A reader
    /// holding a snapshot from before holds that back until it ends; it keeps reading meanwhile.
    /// A crash after the cut (the file reopened without a clean close) loses nothing.
    func testAWALThatNeverStartedOverIsCutBackOnceNoReaderNeedsIt() throws {
        let (writer, checkpointer) = try makeWriter(window: 1_000_000, tail: 64,
                                                    shrinking: WALShrinking(idleAfter: 0.05, keepBytes: 0, step: 1 << 20))
        let reader = try Connection(path: path)
        Self.write(writer, rows: 10_000, from: 0)
        try reader.execute("BEGIN")
        XCTAssertEqual(try reader.scalarInt("SELECT COUNT(*) FROM t"), 10_000)
        Self.write(writer, rows: 10_000, from: 10_000)
        let grown = walBytes()
        XCTAssertGreaterThan(grown, 4 << 20)
        // A pass copies what the reader's snapshot allows; the WAL cannot start over under it.
        Thread.sleep(forTimeInterval: 1.5)
        XCTAssertGreaterThanOrEqual(walBytes(), grown, "the reader still reads frames of this WAL")
        XCTAssertEqual(try reader.scalarInt("SELECT COUNT(*) FROM t INDEXED BY t_k WHERE k >= 0"), 10_000)
        try reader.execute("COMMIT")
        let left = waitForWAL(atMost: 64 << 10)
        XCTAssertLessThanOrEqual(left, 64 << 10, "the WAL started over and its file was cut back to its first frames")
        XCTAssertGreaterThan(checkpointer.statistics.passes, 0)
        XCTAssertEqual(try reader.scalarInt("SELECT COUNT(*) FROM t"), 20_000)
        // A commit after the cut, then a copy of the files as a crash would leave them (no clean
        // close), taken on the writer's thread so that the WAL cannot start over meanwhile.
        Self.write(writer, rows: 100, from: 20_000)
        XCTAssertLessThanOrEqual(waitForWAL(atMost: 64 << 10), 64 << 10)
        let crashed = directory.appendingPathComponent("crashed.sqlite").path
        try writer.sync { [path] _ in
            for suffix in ["", "-wal"] { try FileManager.default.copyItem(atPath: path + suffix, toPath: crashed + suffix) }
        }
        writer.close()
        let recovered = try Connection(path: crashed)
        XCTAssertEqual(try recovered.queryOne("PRAGMA integrity_check") { $0.string(0) }, "ok")
        XCTAssertEqual(try recovered.scalarInt("SELECT COUNT(*) FROM t"), 20_100)
    }

    /// A reader's snapshot stops every pass at its frames: while it stays open a pass copies
    /// nothing new, so the checkpointer waits before the next one instead of running one after
    /// every commit (at 1,000,000 ideas a report's seconds-long read under a vote flood saw
    /// 444–680 passes in 12 s, session 46). Once the reader is gone the WAL starts over as before.
    func testPassesThatAReaderStopsShortAreSpacedOut() throws {
        let (writer, checkpointer) = try makeWriter(window: 300, tail: 64)
        Self.write(writer, rows: 2_000, from: 0)
        let reader = try Connection(path: path)
        try reader.execute("BEGIN")
        XCTAssertEqual(try reader.scalarInt("SELECT COUNT(*) FROM t"), 2_000)
        let before = checkpointer.statistics.passes
        let started = Date()
        var rows = 2_000
        // Single-row commits, one after another, for a second: each looks at the WAL.
        while Date().timeIntervalSince(started) < 1 {
            Self.write(writer, rows: 1, from: rows)
            rows += 1
        }
        let elapsed = Date().timeIntervalSince(started)
        let passes = checkpointer.statistics.passes - before
        XCTAssertGreaterThan(rows - 2_000, 200, "commits kept coming")
        XCTAssertLessThanOrEqual(Double(passes), elapsed / WALCheckpointer.stalledPassRest + 3,
                                 "\(passes) passes in \(elapsed) s while the reader held its snapshot")
        let pinned = try writer.sync { $0.walFrames }
        try reader.execute("COMMIT")
        var frames = pinned
        for _ in 0..<200 where frames >= pinned {
            Self.write(writer, rows: 500, from: rows)
            rows += 500
            frames = try writer.sync { $0.walFrames }
        }
        XCTAssertLessThan(frames, pinned, "the WAL started over once the reader was gone")
        XCTAssertEqual(try writer.sync { try $0.scalarInt("SELECT COUNT(*) FROM t") }, Int64(rows))
        writer.close()
        XCTAssertEqual(try Connection(path: path).queryOne("PRAGMA integrity_check") { $0.string(0) }, "ok")
    }

    func testABlockingCheckpointLeavesAnEmptyWALWhilePassesRun() throws {
        let (writer, checkpointer) = try makeWriter(window: 200, tail: 32)
        // Until a background pass has run (on a busy machine its thread may not get a core during
        // the first thousands of rows: the writer then copies the tails itself).
        var rows = 0
        repeat {
            Self.write(writer, rows: 5_000, from: rows)
            rows += 5_000
        } while checkpointer.statistics.passes == 0 && rows < 100_000
        XCTAssertGreaterThan(checkpointer.statistics.passes, 0)
        // The erasure's checkpoint (TRUNCATE) runs on the writer after a commit: it must leave
        // an empty WAL whether or not a pass was copying at that moment.
        let outcome = try writer.sync { db -> ResultBox in
            let box = ResultBox()
            db.afterCommit { db in box.error = Result { try db.checkpoint() }.error }
            return box
        }
        XCTAssertNil(outcome.error)
        XCTAssertEqual(walBytes(), 0)
        XCTAssertEqual(try writer.sync { try $0.scalarInt("SELECT COUNT(*) FROM t") }, Int64(rows))
        writer.close()
    }

    /// Pipelined syncs: every job that succeeded is answered, in commit order, only after a
    /// flush that started after its commit; failed jobs are answered too (they need no flush); the
    /// flushes are shared by batches; a checkpoint and close still work.
    func testPipelinedSyncsAnswerEveryJobAfterAFlush() throws {
        var options = Connection.Options()
        options.vfs = try PacedVFS.gathering()
        let connection = try Connection(path: path, options: options)
        try connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER NOT NULL UNIQUE)")
        let checkpointer = try WALCheckpointer(path: path, options: Connection.Options(), window: 200)
        let writer = GroupCommitWriter(connection: connection, checkpointer: checkpointer, pipelinedSync: true)
        let answered = Mutex<[Int]>([])
        let group = DispatchGroup()
        let jobs = 3_000
        for i in 0..<jobs {
            group.enter()
            // Every tenth job fails (a duplicate key) after the job before it wrote that key.
            let key = i % 10 == 9 ? i - 1 : i
            writer.submit({ db in try db.run("INSERT INTO t (id, k) VALUES (?, ?)", [Int64(i), Int64(key)]) }) { result in
                answered.withLock { $0.append(i) }
                XCTAssertEqual(result.error != nil, i % 10 == 9, "job \(i)")
                group.leave()
            }
        }
        XCTAssertEqual(group.wait(timeout: .now() + 60), .success)
        XCTAssertEqual(answered.withLock { $0 }.filter { $0 % 10 != 9 }, Array(0..<jobs).filter { $0 % 10 != 9 },
                       "answers of the jobs that wrote come in submission order")
        XCTAssertEqual(answered.withLock { $0 }.count, jobs)
        let syncs = try XCTUnwrap(writer.syncStatistics)
        let batches = writer.statistics.batches
        XCTAssertGreaterThan(syncs.syncs, 0)
        XCTAssertLessThanOrEqual(syncs.syncs, batches, "a flush covers one or more batches")
        XCTAssertEqual(try writer.sync { try $0.scalarInt("SELECT COUNT(*) FROM t") }, Int64(jobs - jobs / 10))
        writer.close()
        XCTAssertEqual(walBytes(), 0, "close checkpoints after the last flush")
        let reader = try Connection(path: path)
        XCTAssertEqual(try reader.scalarInt("SELECT COUNT(*) FROM t"), Int64(jobs - jobs / 10))
        let plain = GroupCommitWriter(connection: try Connection(path: path))
        XCTAssertNil(plain.syncStatistics, "off unless asked")
        plain.close()
    }
}

extension WALCheckpointerTests {
    /// A job that failed changed nothing, so its answer does not wait for the flush (nor for
    /// the syncer answering earlier batches); a job that wrote still does.
    func testFailedJobsAreAnsweredWithoutWaitingForTheFlush() throws {
        var options = Connection.Options()
        options.vfs = try PacedVFS.gathering()
        let connection = try Connection(path: path, options: options)
        try connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER NOT NULL UNIQUE)")
        let writer = GroupCommitWriter(connection: connection, pipelinedSync: true)
        // The first job's work waits until a second job is queued, so its batch goes to the
        // syncer (a lone batch the writer would flush itself), whose thread its answer then holds.
        let working = DispatchSemaphore(value: 0), queued = DispatchSemaphore(value: 0)
        let entered = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        writer.submit({ db in
            working.signal()
            queued.wait()
            try db.run("INSERT INTO t (id, k) VALUES (1, 1)")
        }) { _ in
            entered.signal()
            release.wait()
        }
        XCTAssertEqual(working.wait(timeout: .now() + 10), .success)
        writer.submit({ db in try db.run("INSERT INTO t (id, k) VALUES (4, 4)") }) { _ in }
        queued.signal()
        XCTAssertEqual(entered.wait(timeout: .now() + 10), .success)
        let wrote = DispatchSemaphore(value: 0), failed = DispatchSemaphore(value: 0)
        writer.submit({ db in try db.run("INSERT INTO t (id, k) VALUES (2, 2)") }) { result in
            XCTAssertNil(result.error)
            wrote.signal()
        }
        writer.submit({ db in try db.run("INSERT INTO t (id, k) VALUES (3, 2)") }) { result in
            XCTAssertNotNil(result.error, "a duplicate key")
            failed.signal()
        }
        XCTAssertEqual(failed.wait(timeout: .now() + 10), .success, "the failed job is answered while the syncer is held")
        XCTAssertEqual(wrote.wait(timeout: .now() + 0.3), .timedOut, "the job that wrote waits for the syncer")
        release.signal()
        XCTAssertEqual(wrote.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(try writer.sync { try $0.scalarInt("SELECT COUNT(*) FROM t") }, 3)
        writer.close()
    }

    /// With nothing queued behind a commit and nothing earlier unanswered, the writer flushes
    /// and answers it itself (no hand-over to the syncer and back); the flush is counted alike.
    func testALoneCommitIsFlushedAndAnsweredByTheWriter() throws {
        var options = Connection.Options()
        options.vfs = try PacedVFS.gathering()
        let connection = try Connection(path: path, options: options)
        try connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
        let writer = GroupCommitWriter(connection: connection, pipelinedSync: true)
        let answeredOn = Mutex<[String]>([])
        for id in 1...3 {
            let done = DispatchSemaphore(value: 0)
            writer.submit({ db in try db.run("INSERT INTO t (id) VALUES (?)", [id]) }) { result in
                XCTAssertNil(result.error)
                let name = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? "?"
                answeredOn.withLock { $0.append(name.trimmingCharacters(in: .whitespacesAndNewlines)) }
                done.signal()
            }
            XCTAssertEqual(done.wait(timeout: .now() + 10), .success)
        }
        XCTAssertEqual(answeredOn.withLock { $0 }, ["gs-writer", "gs-writer", "gs-writer"])
        XCTAssertEqual(writer.syncStatistics?.syncs, 3, "one flush per commit, counted")
        writer.close()
        XCTAssertEqual(try Connection(path: path).scalarInt("SELECT COUNT(*) FROM t"), 3)
    }
}

/// `@unchecked Sendable`: written on the writer thread before the job is answered, read after.
private final class ResultBox: @unchecked Sendable {
    var error: Error?
}

private extension Result {
    var error: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
