import CSQLite

/// A failure reported by SQLite, carrying its result code so callers can react to
/// constraint violations or busy databases without parsing messages.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    /// The extended result code (e.g. `SQLITE_CONSTRAINT_UNIQUE`).
    public let extendedCode: Int32
    public let message: String
    /// The SQL being run, never the bound values (they may hold personal data).
    public let sql: String?

    /// The primary result code (e.g. `SQLITE_CONSTRAINT`).
    public var code: Int32 { extendedCode & 0xFF }

    public init(code: Int32, message: String, sql: String? = nil) {
        self.extendedCode = code
        self.message = message
        self.sql = sql
    }

    init(connection db: OpaquePointer?, code: Int32, sql: String? = nil) {
        let extended = db.map { sqlite3_extended_errcode($0) } ?? code
        let message = db.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
            ?? String(cString: sqlite3_errstr(code))
        self.init(code: extended == 0 ? code : extended, message: message, sql: sql)
    }

    /// Extended codes are macros that do not import into Swift.
    public static let constraintUnique: Int32 = 2067      // SQLITE_CONSTRAINT | (8 << 8)
    public static let constraintPrimaryKey: Int32 = 1555  // SQLITE_CONSTRAINT | (6 << 8)
    public static let ioErrorFsync: Int32 = 1034          // SQLITE_IOERR | (4 << 8)

    public var isConstraintViolation: Bool { code == SQLITE_CONSTRAINT }
    public var isUniqueViolation: Bool {
        extendedCode == SQLiteError.constraintUnique || extendedCode == SQLiteError.constraintPrimaryKey
    }
    public var isBusy: Bool { code == SQLITE_BUSY || code == SQLITE_LOCKED }
    /// The storage itself failed (busy past the timeout, disk full, I/O error, read-only file,
    /// could not open): a retry later may succeed, unlike a bug or a constraint.
    public var isStorageFailure: Bool {
        isBusy || code == SQLITE_FULL || code == SQLITE_IOERR || code == SQLITE_READONLY || code == SQLITE_CANTOPEN
            || code == SQLITE_CORRUPT || code == SQLITE_NOTADB || code == SQLITE_PROTOCOL
    }

    public var description: String {
        var text = "SQLite error \(extendedCode): \(message)"
        if let sql { text += " (while running: \(sql))" }
        return text
    }
}
