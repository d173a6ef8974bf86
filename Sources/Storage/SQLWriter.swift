import SQLiteStore

/// The one writer of this node, on either engine: jobs that arrive together share one
/// transaction, and each is answered only after it commits. A job that throws leaves no change.
/// Work may run more than once (replayed after another job's failure, or after a deadlock with
/// another node): it must only touch the database it is given.
public final class SQLWriter: Sendable {
    private enum Backend {
        /// The writer connection's wrapper is used on the writer thread alone.
        case sqlite(GroupCommitWriter, UncheckedConnection)
        case postgres(PostgresWriter)
    }
    private let backend: Backend

    init(sqlite writer: GroupCommitWriter, connection: Connection) {
        backend = .sqlite(writer, UncheckedConnection(connection: SQLConnection(connection)))
    }

    init(postgres writer: PostgresWriter) {
        backend = .postgres(writer)
    }

    /// Queues `work`; `completion` runs on the writer thread after the commit (or failure).
    /// SQLite: one writer thread, jobs that arrive together share a transaction. PostgreSQL:
    /// several writer threads, one transaction per job (`PostgresWriter`).
    public func submit<T>(_ work: @escaping (SQLConnection) throws -> T, completion: @escaping (Result<T, Error>) -> Void) {
        switch backend {
        case .sqlite(let writer, let wrapped): writer.submit({ _ in try work(wrapped.connection) }, completion: completion)
        case .postgres(let writer): writer.submit(work, completion: completion)
        }
    }

    /// Runs `work` and blocks the caller until it is committed. Not for the writer thread.
    public func sync<T>(_ work: @escaping (SQLConnection) throws -> T) throws -> T {
        let done = DispatchSemaphoreBox()
        submit(work) { result in done.finish(result) }
        return try done.wait()
    }

    /// Calls `committed` after every commit that changed one of `tables`, before any job of that
    /// commit is answered. SQLite: on the writer thread, as its update hook saw the rows (triggers'
    /// changes too), by `operations`. PostgreSQL: after a commit of this node or another whose
    /// statements named one of `tables` (any operation; not what its triggers changed).
    /// `beforeCountMoves` (SQLite): called before `commitCount` moves past the commit.
    public func onCommit(changing tables: [String], operations: ChangeWatch.Operations, beforeCountMoves: Bool = false,
                         _ committed: @escaping @Sendable () -> Void) throws {
        switch backend {
        case .sqlite(let writer, _):
            try writer.onCommit(changing: tables, operations: operations, beforeCountMoves: beforeCountMoves, committed)
        case .postgres(let writer): writer.onCommit(changing: tables, committed)
        }
    }

    /// SQLite: calls `committed` on the writer thread with the rowids of `table` that a commit
    /// inserted, updated or deleted (triggers' changes too), before the commit count moves and
    /// before any job of it is answered; the connection is outside any transaction, for reading
    /// those rows as committed. `beforeCommit`: inside the transaction, just before such a commit.
    /// PostgreSQL: never called (other nodes change rows too).
    public func onCommittedRows(of table: String, beforeCommit: (() -> Void)? = nil,
                                _ committed: @escaping (SQLConnection, [Int64]) -> Void) throws {
        if case .sqlite(let writer, let wrapped) = backend {
            try writer.onCommittedRows(of: table, beforeCommit: beforeCommit) { _, rows in committed(wrapped.connection, rows) }
        }
    }

    /// SQLite: `onCommittedRows(of:_:)` with `recorder` told each change to `table` as it happens
    /// (`RowImageRecorder`); `recorded` is false after a batch that undid something (what the
    /// recorder saw is not what was committed: read the rows back). PostgreSQL: never called.
    public func onCommittedRows(of table: String, columns: [String], recorder: RowImageRecorder,
                                _ committed: @escaping (SQLConnection, [Int64], _ recorded: Bool) -> Void) throws {
        if case .sqlite(let writer, let wrapped) = backend {
            try writer.onCommittedRows(of: table, columns: columns, recorder: recorder) { _, rows, recorded in
                committed(wrapped.connection, rows, recorded)
            }
        }
    }

    /// PostgreSQL: calls `committed` after each commit of another node (what it changed is not
    /// known here: live streams read their topics again). SQLite: never called.
    public func onRemoteCommit(_ committed: @escaping @Sendable () -> Void) {
        if case .postgres(let writer) = backend { writer.onRemoteCommit(committed) }
    }

    /// PostgreSQL: runs `work` in every write transaction after its jobs, before the commit
    /// (what SQLite does with triggers that PostgreSQL's cannot, such as indexing text with our
    /// tokenizer). SQLite: never called.
    public func beforeEveryCommit(_ work: @escaping @Sendable (SQLConnection) throws -> Void) {
        if case .postgres(let writer) = backend { writer.beforeEveryCommit(work) }
    }

    /// Commits that changed rows so far (PostgreSQL: also each time another node said it committed).
    /// Read it before starting a read: a result from that snapshot is current while it stays put.
    public var commitCount: UInt64 {
        switch backend {
        case .sqlite(let writer, _): writer.commitCount
        case .postgres(let writer): writer.commitCount
        }
    }

    public var statistics: (batches: Int, jobs: Int, replays: Int, commitNanos: UInt64) {
        switch backend {
        case .sqlite(let writer, _): writer.statistics
        case .postgres(let writer): writer.statistics
        }
    }

    /// SQLite with the background checkpointer: its passes (those at normal priority among them),
    /// the writer's own tail copies so far and the time they took.
    public var checkpointStatistics: (passes: Int, urgentPasses: Int, writerPasses: Int, writerNanos: UInt64)? {
        switch backend {
        case .sqlite(let writer, _): writer.checkpointer?.statistics
        case .postgres: nil
        }
    }

    /// SQLite with background checkpoints: the WAL file's space given back once writes paused.
    public var walShrinkStatistics: (steps: Int, bytes: Int, nanos: UInt64)? {
        switch backend {
        case .sqlite(let writer, _): writer.checkpointer?.shrinkStatistics
        case .postgres: nil
        }
    }

    /// SQLite with pipelined syncs: the WAL flushes so far and the time they took, and the rests between them.
    public var syncStatistics: WALSyncStatistics? {
        switch backend {
        case .sqlite(let writer, _): writer.syncStatistics
        case .postgres: nil
        }
    }

    public func close() {
        switch backend {
        case .sqlite(let writer, _): writer.close()
        case .postgres(let writer): writer.close()
        }
    }
}

/// `@unchecked Sendable`: only the writer thread touches the connection inside.
private final class UncheckedConnection: @unchecked Sendable {
    let connection: SQLConnection
    init(connection: SQLConnection) { self.connection = connection }
}
