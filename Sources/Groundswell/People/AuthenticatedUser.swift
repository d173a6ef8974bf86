import HTTPServer
import SQLiteStore

/// A signed-in customer (only the id: handlers read whatever else they need in their
/// own transaction, so the account cache stays small).
public struct AuthenticatedUser: Sendable {
    public let id: Int64
    /// The browser session the request came with; nil for a bearer token.
    public var sessionID: Int64? = nil
}
