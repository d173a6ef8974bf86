import Foundation
import PostgresStore
import SQLiteStore

/// The database as the rest of the program sees it, on either engine: one writer (group commit)
/// and a pool of readers. SQLite: a WAL-mode file, this process its only writer. PostgreSQL: a
/// server shared by every node; this node's writers, readers and commit listener each hold
/// connections of their own (`writers + readers + 1` per node).
/// `@unchecked Sendable`: its members are immutable references to thread-safe types.
public final class SQLDatabase: @unchecked Sendable {
    public let engine: SQLEngine
    /// The SQLite file's path, or the PostgreSQL URL.
    public let location: String
    public let writer: SQLWriter
    private enum Readers {
        case sqlite(ReaderPool)
        case postgres(PostgresPool, PostgresCommitListener, PostgresWriter)
    }
    private let readers: Readers

    /// Opens the SQLite file, applies pending migrations, then starts the writer and readers.
    /// `backgroundCheckpoints`: every `options.walAutocheckpoint` pages a thread of its own
    /// (`WALCheckpointer`) copies the WAL into the file, instead of the commit that crosses the window.
    /// `walShrinking`: with background checkpoints, when the writer gives the WAL file's space back.
    /// `pipelinedSync` (with `synchronous = FULL`): a thread of its own flushes each commit while
    /// the writer runs the next batch, and answers the commit's jobs after (`CommitSyncer`).
    public init(sqlitePath path: String, migrations: [Migration], readers: Int,
                options: Connection.Options = Connection.Options(), backgroundCheckpoints: Bool = false,
                pipelinedSync: Bool = false, walShrinking: WALShrinking = WALShrinking(), now: () -> Int64) throws {
        engine = .sqlite
        location = path
        // The writer touches index pages all over the file, but a page it lacks is a read from the
        // kernel's page cache: 2 MiB served random votes as fast as 8 MiB did, in 24 MiB less
        // memory with the account cache and rate-limit changes (docs/performance.md, session 9).
        var writerOptions = options
        writerOptions.cacheKiB = max(options.cacheKiB, 2 * 1024)
        // One write per commit for the WAL's frames instead of two per frame; only when every
        // commit syncs, since SQLite publishes a commit to readers right after its sync.
        // Pipelined syncs defer the WAL syncs of that VFS, so they need it too.
        let gathers = options.synchronous == "FULL"
        if gathers { writerOptions.vfs = try PacedVFS.gathering() }
        let writeConnection = try Connection(path: path, options: writerOptions)
        try Migrator(migrations: migrations).migrate(writeConnection, now: now)
        let checkpointer = backgroundCheckpoints
            ? try WALCheckpointer(path: path, options: options, window: options.walAutocheckpoint ?? 1_000,
                                   shrinking: walShrinking) : nil
        writer = SQLWriter(sqlite: GroupCommitWriter(connection: writeConnection, checkpointer: checkpointer,
                                                     pipelinedSync: pipelinedSync && gathers),
                           connection: writeConnection)
        self.readers = .sqlite(try ReaderPool(path: path, count: readers, options: options))
    }

    /// Connects to PostgreSQL at `url`, applies pending migrations (once, whichever node comes
    /// first), then starts the writer, the readers' pool and the commit listener.
    public init(postgresURL url: String, migrations: [PostgresMigrator.Migration], readers: Int, writers: Int = 4,
                now: () -> Int64) throws {
        engine = .postgres
        location = url
        let migrating = try PostgresConnection(url: url)
        _ = try PostgresMigrator.migrate(migrating, migrations, now: now())
        let identities = try migrating.query("""
            SELECT table_name FROM information_schema.columns
            WHERE table_schema = current_schema() AND column_name = 'id' AND is_identity = 'YES'
            """) { $0.string(0) }
        PostgresDialect.identityTables.withLock { $0.formUnion(identities) }
        let node = UUID().uuidString
        let postgresWriter = try PostgresWriter(url: url, node: node, connections: writers)
        writer = SQLWriter(postgres: postgresWriter)
        let listener = try PostgresCommitListener(url: url, node: node) { postgresWriter.remoteCommit(tables: $0) }
        self.readers = .postgres(PostgresPool(url: url, size: max(1, readers)), listener, postgresWriter)
    }

    /// Whether this node does the work only one node may do at a time — sending the outbox. On
    /// SQLite always (the only node); on PostgreSQL the node holding the leader lock
    /// (`PostgresCommitListener`).
    public var isLeader: Bool {
        switch readers {
        case .sqlite: true
        case .postgres(_, let listener, _): listener.isLeader
        }
    }

    /// How many nodes share this database now: 1 on SQLite; on PostgreSQL the nodes whose
    /// listeners are connected (counted about once a second).
    public var nodeCount: Int {
        switch readers {
        case .sqlite: 1
        case .postgres(_, let listener, _): listener.nodeCount
        }
    }

    /// The SQLite file's path (nil on PostgreSQL).
    public var path: String? { engine == .sqlite ? location : nil }

    /// Lends a reader connection to `body` on the calling thread.
    public func read<T>(_ body: (SQLConnection) throws -> T) throws -> T {
        switch readers {
        case .sqlite(let pool): return try pool.read { try body(SQLConnection($0)) }
        case .postgres(let pool, _, _):
            var used: SQLConnection?
            do {
                return try pool.withConnection { connection in
                    let db = SQLConnection(connection)
                    used = db
                    return try body(db)
                }
            } catch let error as PostgresError where error.isLostSession && used?.statementsSucceeded == 0 {
                // A connection the server had dropped (a restart, a failover) before anything was
                // read on it: the others kept idle are likely gone too. Once more, on a fresh one.
                pool.discardIdle()
                return try pool.withConnection { try body(SQLConnection($0)) }
            }
        }
    }

    /// Stops the writer after it drains (SQLite: checkpoints the WAL), and drops the readers.
    public func close() {
        writer.close()
        switch readers {
        case .sqlite(let pool): pool.close()
        case .postgres(let pool, let listener, _):
            listener.close()
            pool.close()
        }
    }
}
