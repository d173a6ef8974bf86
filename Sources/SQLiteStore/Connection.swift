import CSQLite
import CSQLitePacing

/// One SQLite connection. Not thread-safe: exactly one owner (the writer thread,
/// or whoever checked it out of a `ReaderPool`) uses it at a time.
public final class Connection {
    let handle: OpaquePointer
    public let path: String
    private var cache: [StatementKey: Statement] = [:]
    /// Told about row changes by the update hook (see `install(_:)`).
    var changeWatches: [ChangeWatch] = []
    /// Told about row changes, with their new values, by the preupdate hook (see
    /// `install(_:table:columns:)`).
    var rowImageHooks: [RowImageHook] = []
    /// Statements that failed and savepoints rolled back so far: either may have undone changes
    /// the preupdate hook already reported (`RowImageRecorder`).
    public internal(set) var undoCount = 0
    /// The statement being stepped through `Statement.step`, so that the preupdate hook can say
    /// which statement made a change (`PreupdateRow.isDirectChange(by:)`). An object of its own
    /// that each statement holds: reaching it through the statement's `unowned` connection cost a
    /// reference-count check on every step of every statement, and a prepared statement may
    /// outlive its connection (`sqlite3_close_v2` waits for it).
    let stepping = Stepping()

    /// Written around each step, read by the preupdate hook inside it; both on the connection's
    /// one thread. Unchecked exclusivity: a runtime access check per step is what this avoids.
    final class Stepping {
        @exclusivity(unchecked) var statement: OpaquePointer?
    }
    /// Work a transaction asked to run once it has committed (see `afterCommit(_:)`).
    var afterCommitActions: [(Connection) -> Void] = []
    /// The WAL's size as the WAL hook last saw it, once `recordWALSize()` installed one.
    private var walSize: WALSize?
    /// Makes another connection's background checkpoint let go before `checkpoint()` needs its lock.
    var beforeBlockingCheckpoint: (() -> Void)?
    /// Objects C code registered on this connection points into (ranking tables).
    var keptAlive: [AnyObject] = []

    public struct Options: Sendable {
        public var readOnly = false
        public var busyTimeoutMilliseconds: Int32 = 5_000
        /// `PRAGMA synchronous`: `NORMAL` or `FULL` (see docs/architecture.md for what each promises).
        public var synchronous = "FULL"
        /// Page cache per connection in KiB (SQLite's default is 2,000).
        public var cacheKiB = 2_000
        /// `PRAGMA page_size` for a file this connection creates (nil: SQLite's 4,096). A file
        /// that exists keeps its own (only `VACUUM` changes it), so every connection may pass it.
        public var pageSize: Int?
        /// `PRAGMA wal_autocheckpoint` (pages of WAL before a commit checkpoints; SQLite's
        /// default 1,000 when nil).
        public var walAutocheckpoint: Int?
        /// The SQLite VFS to open the file with (nil: the default).
        public var vfs: String?
        /// FTS5 tokenizers to register on the connection before anything else runs.
        public var tokenizers: [RegisteredTokenizer] = []
        /// FTS5 ranking functions to register with them.
        public var rankings: [RegisteredRanking] = []
        public init() {}
    }

    /// Process-wide SQLite settings, applied once before the first connection opens.
    private static let configured: Void = {
        _ = csqlite_disable_memstatus()
    }()

    public init(path: String, options: Options = Options()) throws {
        Connection.configured
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let rc = sqlite3_open_v2(path, &db, flags, options.vfs)
        guard rc == SQLITE_OK, let db else {
            let error = SQLiteError(connection: db, code: rc)
            sqlite3_close_v2(db)  // a failed open still allocates a handle
            throw error
        }
        self.handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
        do {
            sqlite3_busy_timeout(db, options.busyTimeoutMilliseconds)
            // Before WAL mode: an empty file takes its page size when its header is first written.
            if let pageSize = options.pageSize { try execute("PRAGMA page_size = \(pageSize)") }
            try execute("PRAGMA journal_mode = WAL")
            try execute("PRAGMA foreign_keys = ON")
            try execute("PRAGMA synchronous = \(options.synchronous == "NORMAL" ? "NORMAL" : "FULL")")
            try execute("PRAGMA cache_size = -\(max(100, options.cacheKiB))")
            if let pages = options.walAutocheckpoint { try execute("PRAGMA wal_autocheckpoint = \(max(0, pages))") }
            if options.readOnly { try execute("PRAGMA query_only = ON") }
            for tokenizer in options.tokenizers { try register(tokenizer) }
            for ranking in options.rankings { try register(ranking) }
        } catch {
            cache.removeAll()
            sqlite3_close_v2(db)
            throw error
        }
    }

    deinit { close() }

    /// Set by `close`: the handle is gone, and preparing or running anything throws.
    public private(set) var isClosed = false

    /// Closes the connection now, whoever still holds the object: a writer's connection is kept
    /// by the closures its hooks hold, and while one connection of this process stays open,
    /// SQLite keeps the descriptor of every other connection to the same file that closed (its
    /// POSIX locks would go with the first of them), so one connection left open pins them all.
    /// Anything prepared or run on it afterwards throws `SQLITE_MISUSE`.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        cache.removeAll()  // finalize statements before closing
        if !changeWatches.isEmpty { sqlite3_update_hook(handle, nil, nil) }
        if !rowImageHooks.isEmpty { sqlite3_preupdate_hook(handle, nil, nil) }
        if walSize != nil { sqlite3_wal_hook(handle, nil, nil) }
        sqlite3_close_v2(handle)
    }

    /// The error for anything asked of a closed connection.
    static let closedError = SQLiteError(code: SQLITE_MISUSE, message: "the connection is closed")

    /// Runs one or more statements that take no parameters (schema, pragmas).
    public func execute(_ sql: String) throws {
        guard !isClosed else { throw Connection.closedError }
        var errmsg: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errmsg)
        if rc != SQLITE_OK {
            undoCount += 1
            let message = errmsg.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_free(errmsg)
            throw SQLiteError(code: sqlite3_extended_errcode(handle), message: message, sql: sql)
        }
    }

    /// A fresh statement, finalized when released.
    public func prepare(_ sql: String) throws -> Statement {
        try Statement(connection: self, sql: sql)
    }

    /// A statement prepared once per connection and reused; the hot path's way to run SQL.
    public func cached(_ sql: String) throws -> Statement {
        if let statement = cache[StatementKey(sql: sql)] {
            return statement
        }
        let statement = try Statement(connection: self, sql: sql)
        cache[StatementKey(sql: sql)] = statement
        return statement
    }

    /// Recompilations of the cached statements so far (`Statement.timesPreparedAgain`): a hot
    /// path's statement that SQLite compiles again on every run costs more than the run.
    public var cachedStatementsPreparedAgain: Int {
        cache.values.reduce(0) { $0 + $1.timesPreparedAgain }
    }

    public func run(_ sql: String, _ values: [SQLiteBindable] = []) throws {
        try cached(sql).run(values)
    }

    public func query<T>(_ sql: String, _ values: [SQLiteBindable] = [], _ map: (Row) throws -> T) throws -> [T] {
        try cached(sql).query(values, map)
    }

    public func queryOne<T>(_ sql: String, _ values: [SQLiteBindable] = [], _ map: (Row) throws -> T) throws -> T? {
        try cached(sql).queryOne(values, map)
    }

    public func scalarInt(_ sql: String, _ values: [SQLiteBindable] = []) throws -> Int64? {
        try queryOne(sql, values) { $0.isNull(0) ? nil : $0.int64(0) } ?? nil
    }

    // A closed connection's handle may be freed: these answer as a connection that did nothing.
    public var lastInsertRowID: Int64 { isClosed ? 0 : sqlite3_last_insert_rowid(handle) }
    public var changes: Int { isClosed ? 0 : Int(sqlite3_changes(handle)) }
    /// Rows changed since the connection opened, triggers included.
    public var totalChanges: Int64 { isClosed ? 0 : sqlite3_total_changes64(handle) }
    public var isInTransaction: Bool { !isClosed && sqlite3_get_autocommit(handle) == 0 }

    public enum TransactionKind: String { case deferred = "DEFERRED", immediate = "IMMEDIATE", exclusive = "EXCLUSIVE" }

    /// Runs `body` in a transaction: committed if it returns, rolled back if it throws.
    public func transaction<T>(_ kind: TransactionKind = .immediate, _ body: () throws -> T) throws -> T {
        try cached("BEGIN \(kind.rawValue)").run()
        do {
            let value = try body()
            try cached("COMMIT").run()
            return value
        } catch {
            if isInTransaction { try? cached("ROLLBACK").run() }
            throw error
        }
    }

    /// Runs `body` inside a savepoint of the current transaction: on error only its own changes roll back.
    public func savepoint<T>(_ body: () throws -> T) throws -> T {
        try cached("SAVEPOINT job").run()
        do {
            let value = try body()
            try cached("RELEASE job").run()
            return value
        } catch {
            undoCount += 1
            try? cached("ROLLBACK TO job").run()
            try? cached("RELEASE job").run()
            throw error
        }
    }

    /// Copies the whole database into `destination` with SQLite's online backup API;
    /// readers and the writer may keep working meanwhile.
    public func backup(to destination: String, pagesPerStep: Int32 = 256) throws {
        // SQLite copies into a WAL-mode file only between equal page sizes (else SQLITE_READONLY).
        var targetOptions = Options()
        targetOptions.pageSize = try scalarInt("PRAGMA page_size").map(Int.init)
        let target = try Connection(path: destination, options: targetOptions)
        guard let backup = sqlite3_backup_init(target.handle, "main", handle, "main") else {
            throw SQLiteError(connection: target.handle, code: sqlite3_errcode(target.handle))
        }
        var rc: Int32 = SQLITE_OK
        repeat {
            rc = sqlite3_backup_step(backup, pagesPerStep)
            if rc == SQLITE_BUSY || rc == SQLITE_LOCKED { sqlite3_sleep(5) }
        } while rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED
        sqlite3_backup_finish(backup)
        guard rc == SQLITE_DONE else { throw SQLiteError(code: rc, message: String(cString: sqlite3_errstr(rc))) }
    }

    /// Runs `action` on this connection once the current transaction has committed (the
    /// group-commit writer runs it after COMMIT and before answering; dropped on rollback).
    /// For work that cannot run inside a transaction, such as a WAL checkpoint.
    public func afterCommit(_ action: @escaping (Connection) -> Void) {
        afterCommitActions.append(action)
    }

    /// Frames in the WAL after this connection's last commit (0 until `recordWALSize()`).
    public var walFrames: Int { walSize?.frames ?? 0 }

    /// Replaces SQLite's automatic checkpoint on this connection with a WAL hook that only
    /// records the WAL's size after each commit: the caller checkpoints (`WALCheckpointer`).
    func recordWALSize() {
        let box = WALSize()
        walSize = box
        sqlite3_wal_hook(handle, { context, _, _, frames in
            Unmanaged<WALSize>.fromOpaque(context!).takeUnretainedValue().frames = Int(frames)
            return SQLITE_OK
        }, Unmanaged.passUnretained(box).toOpaque())
    }

    /// A passive checkpoint: copies what it can without waiting for the writer or readers.
    /// Returns the WAL's frames and how many of them are now in the database file.
    func checkpointPassive() throws -> (log: Int, backfilled: Int) {
        guard !isClosed else { throw Connection.closedError }
        var log: Int32 = 0
        var backfilled: Int32 = 0
        let rc = sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, &log, &backfilled)
        guard rc == SQLITE_OK else { throw SQLiteError(connection: handle, code: rc, sql: "PRAGMA wal_checkpoint(PASSIVE)") }
        return (Int(max(0, log)), Int(max(0, backfilled)))
    }

    /// On `CSQLitePacing`'s VFSes: writes back, a step at a time, the pages of the main file this
    /// connection's checkpoints copied that still wait in the kernel's cache; a no-op on others.
    func writeBackCopiedPages() {
        guard !isClosed else { return }
        _ = sqlite3_file_control(handle, "main", CSQLITE_PACING_FCNTL_WRITE_BACK, nil)
    }

    /// Copies the whole WAL into the main file and truncates it (clean shutdown, erasure),
    /// waiting for readers as long as the busy timeout allows; throws if it could not.
    public func checkpoint() throws {
        guard !isClosed else { throw Connection.closedError }
        beforeBlockingCheckpoint?()
        let rc = sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_TRUNCATE, nil, nil)
        guard rc == SQLITE_OK else { throw SQLiteError(connection: handle, code: rc, sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
    }
}

/// Written by the WAL hook on the connection's own thread, read there too.
final class WALSize {
    var frames = 0
}

/// The statement cache's key. Hashing a statement's whole text with SipHash on each lookup
/// (four or five per vote, some texts 500 bytes long) was a visible part of the writer's
/// time; this hashes the length and 16 bytes from each end instead. Equality still
/// compares the whole text (and the same literal compares by its storage, at once).
struct StatementKey: Hashable {
    let sql: String

    static func == (a: StatementKey, b: StatementKey) -> Bool { a.sql == b.sql }

    func hash(into hasher: inout Hasher) {
        let utf8 = sql.utf8
        hasher.combine(utf8.count)
        let sampled = utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            guard bytes.count >= 16, let base = bytes.baseAddress else { return false }
            let raw = UnsafeRawPointer(base)
            hasher.combine(raw.loadUnaligned(as: UInt64.self))
            hasher.combine(raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            hasher.combine(raw.loadUnaligned(fromByteOffset: bytes.count - 16, as: UInt64.self))
            hasher.combine(raw.loadUnaligned(fromByteOffset: bytes.count - 8, as: UInt64.self))
            return true
        }
        if sampled != true {
            for byte in utf8.prefix(16) { hasher.combine(byte) }
            for byte in utf8.suffix(16) { hasher.combine(byte) }
        }
    }
}
