/// A PostgreSQL failure: the SQLSTATE (`23505` a unique violation, `40001` a serialization
/// failure, `08006` a lost connection…) and the server's or libpq's message, with the statement
/// it came from. Never the bound values: they may be a customer's personal data.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// Five characters; `08000` when the connection itself failed and libpq gave none.
    public let sqlState: String
    public let message: String
    public let sql: String?

    public init(sqlState: String, message: String, sql: String? = nil) {
        self.sqlState = sqlState
        self.message = message
        self.sql = sql
    }

    public var isUniqueViolation: Bool { sqlState == "23505" }
    /// A transaction that may succeed when run again (serialization failure, deadlock).
    public var isRetryable: Bool { sqlState == "40001" || sqlState == "40P01" }
    /// Class 08: the connection is gone; the pool drops it.
    public var isConnectionFailure: Bool { sqlState.hasPrefix("08") }

    /// The server ended the session (shut down, restarted, or an administrator terminated it:
    /// `57P01`–`57P03`), or the connection failed: the work did not happen on it, if the
    /// failure came before the work began.
    public var isLostSession: Bool { isConnectionFailure || sqlState.hasPrefix("57P") }

    public var description: String {
        "PostgreSQL error \(sqlState): \(message)" + (sql.map { " (in: \($0.prefix(200)))" } ?? "")
    }
}
