import JSON
import Crypto
import Foundation
import HTTPServer
import SQLiteStore
import Storage
import Synchronization

/// What the idempotency middleware hands to the write path: who, which key, which body.
struct IdempotencyRecord: Sendable {
    let principal: String
    let key: String
    let bodyHash: [UInt8]
    let method: String
    let path: String

    init(principal: String, key: String, bodyHash: String, request: Request) {
        self.principal = principal
        self.key = key
        self.bodyHash = Array(bodyHash.utf8)
        self.method = request.method.description
        self.path = request.path
    }

    /// On PostgreSQL, where other nodes may be given the same key at the same moment (each
    /// node's middleware only knows its own requests): holds the key until this transaction ends
    /// and returns what a first request already stored, if it did. SQLite: nil, nothing to do
    /// (one node; its middleware saw every request).
    func claim(_ db: SQLConnection, now: Int64) throws -> Stored? {
        guard db.engine == .postgres else { return nil }
        try db.lockExclusively("idempotency \(principal) \(key)")  // keys are visible ASCII: no spaces
        return try IdempotencyRecord.find(db, principal: principal, key: key, since: now - IdempotencyMiddleware.retentionMillis)
    }

    /// The record the middleware attached to `request`, if it carried a key.
    init?(request: Request) {
        guard let record = request.app.idempotency else { return nil }
        self = record
    }

    /// Stores the first response for this key (a later store of the same key changes nothing).
    /// 5xx answers are not stored: a retry should try again. A response that carries a
    /// credential is recorded without its headers and body: a retry learns that the request
    /// was carried out, never the credential (nothing secret is kept at rest).
    func store(_ db: SQLConnection, response: Response, now: Int64) throws {
        guard response.status.code < 500 else { return }
        let secret = response.carriesSecret
        let headers = secret ? "" : response.headers.fields.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
        try db.run("""
            INSERT INTO idempotency_keys (principal, key, method, path, body_hash, status, content_type, headers, body, created_at, secret)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
            """, [principal, key, method, path, bodyHash, response.status.code, secret ? nil : response.contentType, headers,
                  secret ? [UInt8]() : response.body, now, secret])
    }

    /// What was stored for a key, if it is younger than `since`.
    struct Stored {
        let hash: [UInt8]
        let status: Int
        let type: String?
        let headers: String
        let body: [UInt8]
        let secret: Bool
    }

    static func find(_ db: SQLConnection, principal: String, key: String, since: Int64) throws -> Stored? {
        try db.queryOne("""
            SELECT body_hash, status, content_type, headers, body, secret FROM idempotency_keys
            WHERE principal = ? AND key = ? AND created_at > ?
            """, [principal, key, since]) { row in
            Stored(hash: row.blob(0), status: row.int(1), type: row.optionalString(2), headers: row.string(3), body: row.blob(4),
                   secret: row.bool(5))
        }
    }

    /// Forgets every replay kept for a customer (their erasure).
    static func forget(_ db: SQLConnection, userID: Int64) throws {
        try db.run("DELETE FROM idempotency_keys WHERE principal = ?", ["user:\(userID)"])
    }
}
