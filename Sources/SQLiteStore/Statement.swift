import CSQLite

/// SQLite's "copy the bytes now" destructor, which does not import into Swift.
let SQLITE_TRANSIENT = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

/// A prepared statement. It is prepared once, reused many times (reset between
/// uses), and finalized when the object goes away, so no statement can leak.
/// Not thread-safe: it belongs to its connection's single owner.
public final class Statement {
    let handle: OpaquePointer
    unowned let connection: Connection
    public let sql: String
    /// The connection's note of the statement being stepped (held: this may outlive the connection).
    private let stepping: Connection.Stepping

    init(connection: Connection, sql: String) throws {
        guard !connection.isClosed else { throw Connection.closedError }
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(connection.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else {
            sqlite3_finalize(stmt)
            throw SQLiteError(connection: connection.handle, code: rc, sql: sql)
        }
        self.handle = stmt
        self.connection = connection
        self.sql = sql
        self.stepping = connection.stepping
    }

    deinit { sqlite3_finalize(handle) }

    /// Clears previous bindings and binds `values` to parameters 1...n.
    @discardableResult
    public func bind(_ values: [SQLiteBindable]) throws -> Statement {
        sqlite3_reset(handle)
        // No sqlite3_clear_bindings: every parameter is bound again below (checked).
        let expected = Int(sqlite3_bind_parameter_count(handle))
        precondition(values.count == expected, "statement expects \(expected) parameters, got \(values.count): \(sql)")
        for (offset, value) in values.enumerated() {
            try bind(value.sqliteValue, at: Int32(offset + 1))
        }
        return self
    }

    public func bind(_ value: SQLiteValue, at index: Int32) throws {
        let rc: Int32
        switch value {
        case .null: rc = sqlite3_bind_null(handle, index)
        case .integer(let v): rc = sqlite3_bind_int64(handle, index, v)
        case .real(let v): rc = sqlite3_bind_double(handle, index, v)
        case .text(let v):
            // Bound with an explicit byte length, so text containing NUL is kept whole.
            var text = v
            rc = text.withUTF8 { utf8 -> Int32 in
                guard let base = utf8.baseAddress, utf8.count > 0 else {
                    return sqlite3_bind_text(handle, index, "", 0, SQLITE_TRANSIENT)
                }
                return base.withMemoryRebound(to: CChar.self, capacity: utf8.count) {
                    sqlite3_bind_text(handle, index, $0, Int32(utf8.count), SQLITE_TRANSIENT)
                }
            }
        case .blob(let v):
            rc = v.withUnsafeBytes { raw in
                sqlite3_bind_blob(handle, index, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(raw.count), SQLITE_TRANSIENT)
            }
        }
        guard rc == SQLITE_OK else { throw SQLiteError(connection: connection.handle, code: rc, sql: sql) }
    }

    /// Advances one row. Returns `true` while a row is available.
    @discardableResult
    public func step() throws -> Bool {
        // Restored, not cleared: a step made inside another (from a SQL function) hands it back.
        let outer = stepping.statement
        stepping.statement = handle
        let rc = sqlite3_step(handle)
        stepping.statement = outer
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            connection.undoCount += 1
            let error = SQLiteError(connection: connection.handle, code: rc, sql: sql)
            sqlite3_reset(handle)
            throw error
        }
    }

    /// How many times SQLite compiled this statement again since it was prepared: after a schema
    /// change, or on every new binding when its plan depends on a bound value (`x LIKE ?`).
    public var timesPreparedAgain: Int { Int(sqlite3_stmt_status(handle, SQLITE_STMTSTATUS_REPREPARE, 0)) }

    /// Resets so the statement can run again; releases read locks held by an unfinished query.
    public func reset() { sqlite3_reset(handle) }

    /// Runs a statement that returns no rows.
    public func run(_ values: [SQLiteBindable] = []) throws {
        try bind(values)
        defer { sqlite3_reset(handle) }
        while try step() {}
    }

    /// Runs a query and maps each row.
    public func query<T>(_ values: [SQLiteBindable] = [], _ map: (Row) throws -> T) throws -> [T] {
        try bind(values)
        defer { sqlite3_reset(handle) }
        var result: [T] = []
        let row = Row(statement: self)
        while try step() { result.append(try map(row)) }
        return result
    }

    /// Runs a query and maps the first row, if any.
    public func queryOne<T>(_ values: [SQLiteBindable] = [], _ map: (Row) throws -> T) throws -> T? {
        try bind(values)
        defer { sqlite3_reset(handle) }
        guard try step() else { return nil }
        return try map(Row(statement: self))
    }

    public var columnCount: Int32 { sqlite3_column_count(handle) }
}

/// A view of the current row of a stepping statement; valid only until the next step.
public struct Row {
    let statement: Statement

    public func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(statement.handle, column) }
    public func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(statement.handle, column)) }
    public func double(_ column: Int32) -> Double { sqlite3_column_double(statement.handle, column) }
    public func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement.handle, column) == SQLITE_NULL }
    public func bool(_ column: Int32) -> Bool { int64(column) != 0 }

    public func string(_ column: Int32) -> String {
        guard let ptr = sqlite3_column_text(statement.handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(statement.handle, column))
        return String(decoding: UnsafeBufferPointer(start: ptr, count: count), as: UTF8.self)
    }

    public func optionalString(_ column: Int32) -> String? { isNull(column) ? nil : string(column) }
    public func optionalInt64(_ column: Int32) -> Int64? { isNull(column) ? nil : int64(column) }

    public func blob(_ column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(statement.handle, column))
        guard count > 0, let ptr = sqlite3_column_blob(statement.handle, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: ptr, count: count))
    }

    /// Calls `body` with the raw UTF-8 bytes of a text column, without copying them into a String.
    public func withText<R>(_ column: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let ptr = sqlite3_column_text(statement.handle, column)
        let count = Int(sqlite3_column_bytes(statement.handle, column))
        return try body(UnsafeBufferPointer(start: ptr, count: ptr == nil ? 0 : count))
    }
}
