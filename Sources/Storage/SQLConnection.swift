import PostgresStore
import SQLiteStore
import Synchronization

/// One connection of either engine, as the stores see it: the same calls, the same SQL (the
/// subset both engines share, with `?` parameters; `PostgresDialect` spells it for PostgreSQL),
/// the same rows. What only one engine has (SQLite's FTS5 and pragmas, PostgreSQL's tsvector) a
/// store reaches through `sqlite` or `postgres` after asking `engine`.
/// Not thread-safe, like the connection it wraps: one owner at a time.
public final class SQLConnection {
    public let engine: SQLEngine
    /// The SQLite connection, when the engine is SQLite.
    public let sqlite: Connection?
    /// The PostgreSQL connection, when the engine is PostgreSQL.
    public let postgres: PostgresConnection?

    /// PostgreSQL: rows the last statement changed, and whether an INSERT ran on this connection
    /// (`lastInsertRowID` then asks `lastval()`: like SQLite's, the id of the latest insert,
    /// whatever ran after it).
    private var lastChanges = 0
    private var insertedAny = false
    /// PostgreSQL: the statements that changed rows since `takeChangingStatements`, each with the
    /// table it names (`INSERT INTO t`, `UPDATE t`, `DELETE FROM t`; nil for another form). The
    /// writer learns from them whether a commit changed anything and which tables; hooks that run
    /// before the commit, whether certain statements ran.
    public private(set) var changingStatements: [(table: String?, sql: String)] = []
    /// PostgreSQL: statements that succeeded on this wrapper (a read that failed before any did
    /// produced nothing, and may be run again).
    private(set) var statementsSucceeded = 0
    /// PostgreSQL: the id the latest INSERT returned (`RETURNING id`, added by `PostgresDialect`).
    private var returnedID: Int64?
    /// PostgreSQL: work to run once the current transaction commits.
    var afterCommitActions: [(SQLConnection) -> Void] = []

    public init(_ connection: Connection) {
        engine = .sqlite
        sqlite = connection
        postgres = nil
    }

    public init(_ connection: PostgresConnection) {
        engine = .postgres
        sqlite = nil
        postgres = connection
    }

    /// Runs a statement that takes no parameters (or several, separated by `;`).
    public func execute(_ sql: String) throws {
        if let sqlite { return try sqlite.execute(sql) }
        try postgres!.execute(sql)
    }

    public func run(_ sql: String, _ values: [SQLiteBindable] = []) throws {
        if let sqlite { return try sqlite.run(sql, values) }
        _ = try postgresQuery(sql, values)
    }

    /// Rows `runMany` sends to PostgreSQL in one pipeline: what libpq buffers each way stays small.
    public static let pipelineRows = 1_000

    /// Runs one changing statement once for each list of values in `rows` — a bulk write, such
    /// as a round's close writing a result and a notice per entry. SQLite steps its cached
    /// statement again for each; PostgreSQL sends them in pipelines of `pipelineRows` (one round
    /// trip each, not one per row). The first failure is thrown, and what follows it is not run.
    public func runMany(_ sql: String, _ rows: [[SQLiteBindable]]) throws {
        if let sqlite {
            for values in rows { try sqlite.run(sql, values) }
            return
        }
        guard !rows.isEmpty else { return }
        let translated = PostgresDialect.cached(sql)
        var changed = 0
        for start in stride(from: 0, to: rows.count, by: SQLConnection.pipelineRows) {
            let chunk = rows[start..<min(start + SQLConnection.pipelineRows, rows.count)]
            changed += try postgres!.runPipelined(translated, rows: chunk.map(SQLConnection.postgresParameters))
        }
        noteRun(sql, changed: changed, returnedID: nil)
    }

    public func query<T>(_ sql: String, _ values: [SQLiteBindable] = [], _ map: (SQLRow) throws -> T) throws -> [T] {
        if let sqlite { return try sqlite.query(sql, values) { try map(SQLRow($0)) } }
        let result = try postgresQuery(sql, values)
        var rows: [T] = []
        rows.reserveCapacity(result.count)
        for index in 0..<result.count { rows.append(try map(SQLRow(result[index]))) }
        return rows
    }

    public func queryOne<T>(_ sql: String, _ values: [SQLiteBindable] = [], _ map: (SQLRow) throws -> T) throws -> T? {
        if let sqlite { return try sqlite.queryOne(sql, values) { try map(SQLRow($0)) } }
        let result = try postgresQuery(sql, values)
        return result.count == 0 ? nil : try map(SQLRow(result[0]))
    }

    public func scalarInt(_ sql: String, _ values: [SQLiteBindable] = []) throws -> Int64? {
        try queryOne(sql, values) { $0.isNull(0) ? nil : $0.int64(0) } ?? nil
    }

    /// The id the last INSERT gave its row (SQLite's rowid; PostgreSQL's identity, by `lastval()`).
    public var lastInsertRowID: Int64 {
        if let sqlite { return sqlite.lastInsertRowID }
        if let returnedID { return returnedID }
        guard insertedAny else { return 0 }
        return (try? postgres!.scalarInt("SELECT lastval()")) ?? 0
    }

    /// Rows the last statement inserted, changed or deleted.
    public var changes: Int {
        if let sqlite { return sqlite.changes }
        return lastChanges
    }

    public enum TransactionKind: Sendable {
        /// A consistent snapshot for reading (SQLite `DEFERRED`; PostgreSQL `REPEATABLE READ`).
        case deferred
        /// A transaction that writes (SQLite `IMMEDIATE`; PostgreSQL `READ COMMITTED`).
        case immediate
    }

    /// Runs `body` in a transaction: committed if it returns, rolled back if it throws.
    public func transaction<T>(_ kind: TransactionKind = .immediate, _ body: () throws -> T) throws -> T {
        if let sqlite { return try sqlite.transaction(kind == .deferred ? .deferred : .immediate, body) }
        // A snapshot for reading is read-only: nothing can be lost with it, and its COMMIT need not be waited for.
        return try postgres!.transaction(kind == .deferred ? .repeatableRead : .readCommitted, readOnly: kind == .deferred, body)
    }

    /// Runs `action` once the current transaction has committed (before its jobs are answered;
    /// dropped on rollback). For work that cannot run inside a transaction.
    public func afterCommit(_ action: @escaping (SQLConnection) -> Void) {
        if let sqlite {
            sqlite.afterCommit { [unowned self] _ in action(self) }
            return
        }
        afterCommitActions.append(action)
    }

    /// Waits until no other transaction (of any node) holds the lock `name`, then holds it until
    /// this transaction ends (PostgreSQL `pg_advisory_xact_lock`). SQLite: nothing to do — its one
    /// writer is alone. For read-then-write work over shared state, such as the engagement rollup.
    public func lockExclusively(_ name: String) throws {
        if engine == .postgres { try run("SELECT pg_advisory_xact_lock(hashtext(?))", [name]) }
    }

    /// Holds row `id` of `table` until this transaction ends (PostgreSQL `SELECT … FOR UPDATE`:
    /// other nodes' writers wait for it, and read what this one committed). SQLite: nothing to
    /// do — its one writer already holds the whole database. `table` is one of ours, never input.
    public func lockRow(_ table: String, id: Int64) throws {
        if engine == .postgres { try run("SELECT id FROM \(table) WHERE id = ? FOR UPDATE", [id]) }
    }

    /// PostgreSQL: the statements that changed rows since the last call (see `changingStatements`;
    /// a trigger's own changes are not among them — caches that depend on them watch the table the
    /// statement named).
    func takeChangingStatements() -> [(table: String?, sql: String)] {
        defer { changingStatements = [] }
        return changingStatements
    }

    /// The table an INSERT, UPDATE or DELETE statement names.
    public static func targetTable(_ sql: String) -> String? {
        let words = sql.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "(" }).prefix(4).map { $0.uppercased() }
        let index: Int
        switch words.first {
        case "INSERT", "DELETE": index = 2    // INSERT INTO t, DELETE FROM t
        case "UPDATE": index = 1
        default: return nil
        }
        guard words.count > index else { return nil }
        return words[index].lowercased()
    }

    private static func postgresParameters(_ values: [SQLiteBindable]) -> [PostgresParameter] {
        values.map { value in
            switch value.sqliteValue {
            case .null: .null
            case .integer(let number): .int(number)
            case .real(let number): .double(number)
            case .text(let text): .text(text)
            case .blob(let bytes): .bytes(bytes)
            }
        }
    }

    /// Runs `sql` on PostgreSQL and keeps what the other calls ask about it: rows changed, the
    /// changing statement, an INSERT's returned id.
    private func postgresQuery(_ sql: String, _ values: [SQLiteBindable]) throws -> PostgresResult {
        let translated = PostgresDialect.cached(sql)
        let result = try postgres!.query(translated, parameters: SQLConnection.postgresParameters(values))
        // `INSERT … RETURNING` and `UPDATE … RETURNING` change rows too. An INSERT into a table
        // with an identity `id` came back with `RETURNING id`.
        noteRun(sql, changed: result.changedRows,
                returnedID: translated.hasSuffix(" RETURNING id") && result.count > 0 ? result[result.count - 1].optionalInt64(0) : nil)
        return result
    }

    /// Keeps what the other calls ask about a PostgreSQL statement that succeeded: rows changed,
    /// the changing statement, whether an INSERT ran and the id it returned.
    private func noteRun(_ sql: String, changed: Int, returnedID id: Int64?) {
        statementsSucceeded += 1
        lastChanges = changed
        if changed > 0 { changingStatements.append((SQLConnection.targetTable(sql), sql)) }
        if sql.utf8.prefix(6).elementsEqual("INSERT".utf8) {
            insertedAny = true
            returnedID = id
        }
    }
}

extension PostgresDialect {
    /// Translations by SQL text: the stores' statements are a fixed set, each translated once.
    private static let translations = Mutex<[String: String]>([:])

    static func cached(_ sql: String) -> String {
        if let done = translations.withLock({ $0[sql] }) { return done }
        let translated = translate(sql)
        translations.withLock { $0[sql] = translated }
        return translated
    }
}
