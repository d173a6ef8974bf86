import HTTPServer
import SQLiteStore

/// A signed-in customer (only the id: handlers read whatever else they need in their
/// own transaction, so the account cache stays small).
public struct AuthenticatedUser: Sendable {
    public let id: Int64
}
