import CLinux
import CSQLitePacing
import Foundation
import Synchronization

/// The single owner of the write connection. Jobs that arrive together are run back to
/// back inside one transaction and all of them are answered only after that transaction
/// commits: many writes, one commit (one `fsync`).
///
/// A job that fails must leave no trace. Jobs first run without savepoints (the fast
/// path); if one fails *after* changing rows, the batch is rolled back and replayed with
/// a savepoint around each job, so only the failing job's changes are undone. Work may
/// therefore run more than once: it must only touch the database it is given.
/// `@unchecked Sendable`: the queue and counters are thread-safe types; the connection and the
/// commit watches belong to the writer thread alone.
public final class GroupCommitWriter: @unchecked Sendable {
    private let connection: Connection
    private let queue = DrainQueue<WriteJob>()
    private let finished = DispatchSemaphore(value: 0)
    public let maxBatch: Int
    /// Checkpoints the WAL off this thread when given (otherwise SQLite's automatic checkpoint
    /// runs inside the commit that crosses its window).
    public let checkpointer: WALCheckpointer?
    /// Flushes each commit's WAL frames off this thread and answers its jobs after (see
    /// `CommitSyncer`); nil: SQLite syncs inside the commit.
    private let syncer: CommitSyncer?

    private let committed = Atomic<UInt64>(0)
    private let counters = Mutex((batches: 0, jobs: 0, replays: 0, commitNanos: UInt64(0)))

    /// Writer-thread only: watches whose commits must be announced before answering.
    private var commitWatches: [(watch: ChangeWatch, committed: () -> Void)] = []
    /// Writer-thread only: the same, announced before the commit count moves.
    private var countWatches: [(watch: ChangeWatch, committed: () -> Void)] = []
    /// Writer-thread only: watches whose changed rows are handed over after each commit, with
    /// whether the batch undid something (then what a `RowImageRecorder` saw was not all committed).
    private var rowWatches: [(watch: ChangeWatch, beforeCommit: (() -> Void)?, committed: (Connection, [Int64], Bool) -> Void)] = []
    /// Writer-thread only: what the preupdate hook tells about `rowWatches`' tables, emptied after each batch.
    private var recorders: [RowImageRecorder] = []

    /// `pipelinedSync`: only for a connection on the gathering VFS with `synchronous = FULL`
    /// (`PacedVFS.gathering`), whose WAL syncs this writer can defer.
    public init(connection: Connection, maxBatch: Int = 512, checkpointer: WALCheckpointer? = nil, pipelinedSync: Bool = false) {
        self.connection = connection
        self.maxBatch = maxBatch
        self.checkpointer = checkpointer
        self.syncer = pipelinedSync ? CommitSyncer() : nil
        if let checkpointer {
            connection.recordWALSize()
            connection.beforeBlockingCheckpoint = { checkpointer.yieldToBlockingCheckpoint() }
        }
        let thread = Thread { [unowned self] in
            clinux_name_thread("gs-writer")
            self.loop()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Queues `work`; `completion` runs on the writer thread after the commit (or failure).
    public func submit<T>(_ work: @escaping (Connection) throws -> T,
                          completion: @escaping (Result<T, Error>) -> Void) {
        if !queue.append(TypedWriteJob(work: work, completion: completion)) { completion(.failure(WriterStopped())) }
    }

    /// Runs `work` and blocks the caller until it is committed. Not for the writer thread.
    public func sync<T>(_ work: @escaping (Connection) throws -> T) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox<T>()
        submit(work) { result in
            box.result = result
            done.signal()
        }
        done.wait()
        return try box.result!.get()
    }

    /// Calls `committed` on the writer thread after every commit that changed one of
    /// `tables` (by `operations`), before any job of that batch is answered. Caches use it
    /// so that no response can come back before a cached copy of changed rows is dropped.
    /// `beforeCountMoves`: called before `commitCount` moves past that commit, so that a reader
    /// who sees the new count also sees what `committed` recorded (a log of what each commit did).
    public func onCommit(changing tables: [String], operations: ChangeWatch.Operations, beforeCountMoves: Bool = false,
                         _ committed: @escaping @Sendable () -> Void) throws {
        let watch = ChangeWatch(tables: tables, operations: operations)
        try sync { [unowned self] db in
            db.install(watch)
            if beforeCountMoves { self.countWatches.append((watch, committed)) } else { self.commitWatches.append((watch, committed)) }
        }
    }

    /// Calls `committed` on the writer thread, with the connection (outside any transaction) and
    /// the rowids of `table` that were inserted, updated or deleted, after every commit that
    /// changed some — before the commit count moves and before any job of that batch is
    /// answered. A value kept beside the database (an order in memory) follows it this way; it
    /// may be handed rows that a rolled-back job had touched, so it must read their current state.
    /// `beforeCommit`: called first, inside the transaction, just before a commit that changed
    /// rows of `table` (a value that readers use while it matches their snapshot marks itself
    /// as changing before any snapshot can see the change).
    public func onCommittedRows(of table: String, beforeCommit: (() -> Void)? = nil,
                                _ committed: @escaping (Connection, [Int64]) -> Void) throws {
        try watchRows(of: table, beforeCommit: beforeCommit, recording: nil) { db, rows, _ in committed(db, rows) }
    }

    /// Like `onCommittedRows(of:beforeCommit:_:)`, with `recorder` told about every change to
    /// `table` as it happens, `columns` readable (`RowImageRecorder`), and emptied after each
    /// batch. `committed` learns whether what it recorded is what was committed: not after a
    /// batch in which anything was undone — a failed statement, a rolled-back savepoint, a
    /// replay — since the hook saw changes that never were: then every row must be read back.
    public func onCommittedRows(of table: String, columns: [String], recorder: RowImageRecorder,
                                _ committed: @escaping (Connection, [Int64], _ recorded: Bool) -> Void) throws {
        try watchRows(of: table, beforeCommit: nil, recording: (recorder, columns)) { db, rows, undone in committed(db, rows, !undone) }
    }

    /// Both `onCommittedRows`: the rowids by the update hook, the values (if asked) by the preupdate hook.
    private func watchRows(of table: String, beforeCommit: (() -> Void)?, recording: (recorder: RowImageRecorder, columns: [String])?,
                           _ committed: @escaping (Connection, [Int64], _ undone: Bool) -> Void) throws {
        let watch = ChangeWatch(tables: [table], operations: [.insert, .update, .delete], recordsRows: true)
        try sync { [unowned self] db in
            db.install(watch)
            if let recording {
                try db.install(recording.recorder, table: table, columns: recording.columns)
                self.recorders.append(recording.recorder)
            }
            self.rowWatches.append((watch, beforeCommit, committed))
        }
    }

    /// How many transactions that changed rows the writer has committed. It moves after such a commit and before any
    /// job of that commit is answered; read it *before* starting a read transaction and a
    /// result computed from that snapshot is current for as long as the count stays put.
    public var commitCount: UInt64 { committed.load(ordering: .acquiring) }

    /// With pipelined syncs: the WAL flushes so far and the time they took.
    public var syncStatistics: WALSyncStatistics? { syncer?.statistics }

    /// Batches, jobs, replayed batches and total time spent in transactions so far.
    public var statistics: (batches: Int, jobs: Int, replays: Int, commitNanos: UInt64) { counters.withLock { $0 } }

    /// Finishes queued work, checkpoints, then stops. Later submissions fail with `WriterStopped`.
    public func close() {
        if queue.close() { finished.wait() }
    }

    private func loop() {
        while let batch = queue.take(upTo: maxBatch, idleAfter: checkpointer?.idleWorkAfter) {
            if batch.isEmpty {
                checkpointer?.shrinkWhileIdle(connection) { queue.isEmpty }
            } else {
                runBatch(batch)
            }
        }
        syncer?.stop()
        checkpointer?.stop()
        try? connection.checkpoint()
        connection.close()  // now: the hooks' closures keep the object (and with it the file) alive
        finished.signal()
    }

    private func runBatch(_ batch: [WriteJob]) {
        let start = DispatchTime.now().uptimeNanoseconds
        var replayed = false
        let changesBefore = connection.totalChanges
        let undoneBefore = connection.undoCount
        defer { for recorder in recorders { recorder.discard() } }
        do {
            try connection.cached("BEGIN IMMEDIATE").run()
            var clean = true
            for job in batch {
                let before = connection.totalChanges
                if !job.run(connection) && connection.totalChanges != before {
                    clean = false
                    break
                }
            }
            if !clean {
                // A failed job left changes behind: undo the batch, replay with savepoints.
                replayed = true
                connection.afterCommitActions = []
                try connection.cached("ROLLBACK").run()
                try connection.cached("BEGIN IMMEDIATE").run()
                for job in batch {
                    try connection.cached("SAVEPOINT job").run()
                    if job.run(connection) {
                        try connection.cached("RELEASE job").run()
                    } else {
                        try connection.cached("ROLLBACK TO job").run()
                        try connection.cached("RELEASE job").run()
                    }
                }
            }
            for (watch, beforeCommit, _) in rowWatches where watch.changed { beforeCommit?() }
            try commit()
            let undone = replayed || connection.undoCount != undoneBefore
            for (watch, _, observer) in rowWatches {
                let rows = watch.takeRows()
                if !rows.isEmpty { observer(connection, rows, undone) }
            }
            for (watch, observer) in countWatches where watch.take() { observer() }
            // A batch that changed no row (a scheduler pass with nothing due) leaves every
            // cached read valid, so the count stays put.
            if connection.totalChanges != changesBefore { committed.add(1, ordering: .releasing) }
            for (watch, observer) in commitWatches where watch.take() { observer() }
            if !connection.afterCommitActions.isEmpty {
                let actions = connection.afterCommitActions
                connection.afterCommitActions = []
                for action in actions { action(connection) }
            }
        } catch {
            connection.afterCommitActions = []
            if connection.isInTransaction { try? connection.cached("ROLLBACK").run() }
            for (watch, _, _) in rowWatches { _ = watch.takeRows() }
            for (watch, _) in countWatches { _ = watch.take() }
            _ = csqlite_pacing_take_deferred_sync()
            answer(batch, fd: -1, failure: error)
            return
        }
        let elapsed = DispatchTime.now().uptimeNanoseconds - start
        counters.withLock {
            $0.batches += 1
            $0.jobs += batch.count
            $0.commitNanos += elapsed
            if replayed { $0.replays += 1 }
        }
        answer(batch, fd: csqlite_pacing_take_deferred_sync(), failure: nil)
        // After the answer: when the writer copies a checkpoint's last frames itself (a stall of
        // tens of milliseconds under load, once per WAL cycle), this batch is flushed and
        // answered meanwhile instead of waiting for it. The copy syncs the WAL itself first.
        checkpointer?.committed(connection)
    }

    /// Commits; with a syncer, SQLite's WAL sync is left to it (`answer` passes it on).
    private func commit() throws {
        guard syncer != nil else { return try connection.cached("COMMIT").run() }
        csqlite_pacing_defer_wal_sync(1)
        defer { csqlite_pacing_defer_wal_sync(0) }
        try connection.cached("COMMIT").run()
    }

    /// Answers a batch (`failure`: it could not be committed) now, or, with a syncer, after the
    /// flush of `fd` (the WAL whose sync the commit deferred; -1 for none) and of every earlier
    /// batch, in commit order — except its failed jobs, which a committed batch answers now.
    private func answer(_ batch: [WriteJob], fd: Int32, failure: Error?) {
        if let syncer {
            guard failure == nil else { return syncer.committed(batch, fd: fd, failure: failure) }
            // A job that failed (409 already voted, 404…) left nothing that needs the flush: it
            // is answered now, once its batch committed. Its answer rests on what it read, which
            // readers may see before the flush too (see `CommitSyncer`). Where half the votes
            // repeat (one hot idea), half the answers no longer wait for the disk.
            var durable: [WriteJob] = []
            durable.reserveCapacity(batch.count)
            for job in batch {
                if job.failed { job.finish() } else { durable.append(job) }
            }
            // Nothing queued behind this batch and nothing of earlier ones still to answer: the
            // flush here costs no other write any time, and saves the hand-over to the syncer
            // and back (a wake-up of another thread each, which under load waits for a core).
            // New jobs gather meanwhile into the next batch. Under a flood the queue is never
            // empty and the flushes stay pipelined. While the disk rests after the last flush
            // the syncer takes the batch, so later ones can share its flush.
            if queue.isEmpty && syncer.isIdle && syncer.restLeft() == 0 { return syncer.flushHere(durable, fd: fd) }
            return syncer.committed(durable, fd: fd, failure: nil)
        }
        WriteJob.answer(batch, failure: failure)
    }
}

/// Returned for work submitted after `close()`.
public struct WriterStopped: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "the database writer has stopped" }
}

/// A queued job, type-erased so a batch can hold jobs of any result type.
class WriteJob {
    /// Answers every job of a batch: with `failure` when the batch is not known to be committed
    /// and on disk, else each with its own result.
    static func answer(_ jobs: [WriteJob], failure: Error?) {
        if let failure {
            for job in jobs { job.fail(failure) }
        } else {
            for job in jobs { job.finish() }
        }
    }

    /// Runs the work; returns whether it succeeded.
    func run(_ db: Connection) -> Bool { fatalError("abstract") }
    /// Reports the outcome after a successful commit.
    func finish() { fatalError("abstract") }
    /// Whether the work threw: its changes, if any, were rolled back, so nothing of it waits
    /// for a flush.
    var failed: Bool { false }
    /// Reports that the batch could not be committed.
    func fail(_ error: Error) { fatalError("abstract") }
}

private final class TypedWriteJob<T>: WriteJob {
    let work: (Connection) throws -> T
    let completion: (Result<T, Error>) -> Void
    var result: Result<T, Error>?

    init(work: @escaping (Connection) throws -> T, completion: @escaping (Result<T, Error>) -> Void) {
        self.work = work
        self.completion = completion
    }

    /// Kept beside `result`: asking a generic `Result` for its case costs a metadata lookup.
    private var threw = false

    override func run(_ db: Connection) -> Bool {
        do {
            result = .success(try work(db))
            threw = false
            return true
        } catch {
            result = .failure(error)
            threw = true
            return false
        }
    }

    override func finish() { completion(result ?? .failure(WriterStopped())) }
    override var failed: Bool { threw }
    override func fail(_ error: Error) { completion(.failure(error)) }
}

/// `@unchecked Sendable`: written once by the writer before `done.signal()`, read after `wait()`.
private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, Error>?
}

