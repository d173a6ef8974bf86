import PostgresStore
import SQLiteStore

/// What the domain needs to know of either engine's errors, asked in one place.
public enum StorageFailure {
    /// A unique constraint refused the row (SQLite `SQLITE_CONSTRAINT_UNIQUE`/`PRIMARYKEY`, PostgreSQL `23505`).
    public static func isUniqueViolation(_ error: Error) -> Bool {
        if let error = error as? SQLiteError { return error.isUniqueViolation }
        if let error = error as? PostgresError { return error.isUniqueViolation }
        return false
    }

    /// The database could not do the work now — busy past the timeout, disk full, I/O; for
    /// PostgreSQL a lost or refused connection (class 08), too many connections or resources
    /// (53), the server shutting down (57P), or contention that outlasted the retries (40001,
    /// 40P01) — or the writer has stopped. Answered `503` with `Retry-After`, never `500`.
    public static func isUnavailable(_ error: Error) -> Bool {
        if error is WriterStopped { return true }
        if let error = error as? SQLiteError { return error.isStorageFailure }
        if let error = error as? PostgresError {
            let state = error.sqlState
            return error.isConnectionFailure || error.isRetryable || state.hasPrefix("53") || state.hasPrefix("57P")
                || state == "55P03"  // lock not available
        }
        return false
    }
}
