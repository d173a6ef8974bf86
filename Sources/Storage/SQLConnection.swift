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
    /// PostgreSQL: rows changed since the writer last asked (`takeChangedRows`), and the tables
    /// the statements that changed them named (`takeChangedTables`).
    private var changedRows = 0
    private var changedTables: Set<String> = []
    /// PostgreSQL: the statements that changed rows since `takeChangedTables` (for hooks that run
    /// before the commit and only need to when certain statements ran).
    public private(set) var changingStatements: [String] = []
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
        let result = try postgresQuery(sql, values)
        noteChanges(result, sql)
        // An INSERT into a table with an identity `id` came back with `RETURNING id`.
        if insertedAny, result.count > 0, result.columns == 1, let id = result[result.count - 1].optionalInt64(0),
           PostgresDialect.cached(sql).hasSuffix(" RETURNING id") {
            returnedID = id
        }
    }

    public func query<T>(_ sql: String, _ values: [SQLiteBindable] = [], _ map: (SQLRow) throws -> T) throws -> [T] {
        if let sqlite { return try sqlite.query(sql, values) { try map(SQLRow($0)) } }
        let result = try postgresQuery(sql, values)
        noteChanges(result, sql)
        var rows: [T] = []
        rows.reserveCapacity(result.count)
        for index in 0..<result.count { rows.append(try map(SQLRow(result[index]))) }
        return rows
    }

    public func queryOne<T>(_ sql: String, _ values: [SQLiteBindable] = [], _ map: (SQLRow) throws -> T) throws -> T? {
        if let sqlite { return try sqlite.queryOne(sql, values) { try map(SQLRow($0)) } }
        let result = try postgresQuery(sql, values)
        noteChanges(result, sql)
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

    /// Runs `body` in a savepoint of the current transaction: on error only its changes roll back.
    public func savepoint<T>(_ body: () throws -> T) throws -> T {
        if let sqlite { return try sqlite.savepoint(body) }
        try postgres!.execute("SAVEPOINT job")
        do {
            let value = try body()
            try postgres!.execute("RELEASE job")
            return value
        } catch {
            try? postgres!.execute("ROLLBACK TO job")
            try? postgres!.execute("RELEASE job")
            throw error
        }
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
        if engine == .postgres { _ = try scalarInt("SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtext(?))) x", [name]) }
    }

    /// PostgreSQL: rows changed since the last call (the writer's "did this batch change anything").
    func takeChangedRows() -> Int {
        defer { changedRows = 0 }
        return changedRows
    }

    /// PostgreSQL: the tables changed since the last call, as named by the statements that changed
    /// rows (`INSERT INTO t`, `UPDATE t`, `DELETE FROM t`; a trigger's own changes are not seen —
    /// caches that depend on them watch the table the statement named).
    func takeChangedTables() -> Set<String> {
        defer {
            changedTables = []
            changingStatements = []
        }
        return changedTables
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

    private func noteChanges(_ result: PostgresResult, _ sql: String) {
        // `INSERT … RETURNING` and `UPDATE … RETURNING` change rows too.
        let changed = result.changedRows
        lastChanges = changed
        changedRows += changed
        if changed > 0, let table = SQLConnection.targetTable(sql) {
            changedTables.insert(table)
            changingStatements.append(sql)
        }
        if sql.utf8.prefix(6).elementsEqual("INSERT".utf8) {
            insertedAny = true
            returnedID = nil
        }
    }

    private func postgresQuery(_ sql: String, _ values: [SQLiteBindable]) throws -> PostgresResult {
        let result = try postgres!.query(PostgresDialect.cached(sql), parameters: values.map { value in
            switch value.sqliteValue {
            case .null: .null
            case .integer(let number): .int(number)
            case .real(let number): .double(number)
            case .text(let text): .text(text)
            case .blob(let bytes): .bytes(bytes)
            }
        })
        statementsSucceeded += 1
        return result
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
