import JSON
import SQLiteStore
import Storage

/// Every statement about passwords and browser sessions.
enum SessionStore {
    /// Sessions last 30 days from sign-in; signing in again makes a new one.
    static let lifetime: Int64 = 30 * 86_400_000
    /// `last_seen_at` is refreshed at most this often (a write per request would cost a commit).
    static let seenResolution: Int64 = 5 * 60_000

    /// What signing in needs to know of an account, by email.
    struct Credentials: Sendable {
        let userID: Int64
        let passwordHash: String?
        let banned: Bool
    }

    static func credentials(_ db: SQLConnection, email: String) throws -> Credentials? {
        try db.queryOne("""
            SELECT id, password_hash, banned_at IS NOT NULL FROM users WHERE email_norm = ? AND deleted_at IS NULL
            """, [email.lowercased()]) { Credentials(userID: $0.int64(0), passwordHash: $0.isNull(1) ? nil : $0.string(1), banned: $0.bool(2)) }
    }

    static func passwordHash(_ db: SQLConnection, userID: Int64) throws -> String? {
        try db.queryOne("SELECT password_hash FROM users WHERE id = ?", [userID]) { $0.isNull(0) ? nil : $0.string(0) } ?? nil
    }

    /// Sets the password; every other session of the account ends (`keep`: the one in use).
    static func setPassword(_ db: SQLConnection, userID: Int64, hash: String, keep sessionID: Int64?) throws {
        try db.run("UPDATE users SET password_hash = ? WHERE id = ?", [hash, userID])
        try db.run("DELETE FROM sessions WHERE user_id = ? AND id IS NOT ?", [userID, sessionID])
    }

    static func create(_ db: SQLConnection, userID: Int64, tokenHash: [UInt8], csrf: String, userAgent: String, now: Int64) throws -> Int64 {
        try db.run("""
            INSERT INTO sessions (user_id, token_hash, csrf_token, user_agent, created_at, last_seen_at, expires_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, [userID, tokenHash, csrf, userAgent, now, now, now + lifetime])
        return db.lastInsertRowID
    }

    /// A live session by its cookie's hash.
    struct Session: Sendable {
        let id: Int64
        let userID: Int64
        let csrf: String
        let lastSeen: Int64
        let banned: Bool
        /// The account's display name (the web pages greet with it).
        let name: String
    }

    static func session(_ db: SQLConnection, tokenHash: [UInt8], now: Int64) throws -> Session? {
        try db.queryOne("""
            SELECT s.id, s.user_id, s.csrf_token, s.last_seen_at, u.banned_at IS NOT NULL, u.name
            FROM sessions s JOIN users u ON u.id = s.user_id
            WHERE s.token_hash = ? AND s.expires_at > ? AND u.deleted_at IS NULL
            """, [tokenHash, now]) { Session(id: $0.int64(0), userID: $0.int64(1), csrf: $0.string(2), lastSeen: $0.int64(3), banned: $0.bool(4),
                                       name: $0.string(5)) }
    }

    static func touch(_ db: SQLConnection, id: Int64, now: Int64) throws {
        try db.run("UPDATE sessions SET last_seen_at = ? WHERE id = ?", [now, id])
    }

    /// The account's sessions, newest first.
    static func list(_ db: SQLConnection, userID: Int64, current: Int64?, now: Int64) throws -> [UInt8] {
        var json = JSONWriter(capacity: 1024)
        json.beginObject()
        json.key("items")
        json.beginArray()
        _ = try db.query("""
            SELECT id, user_agent, created_at, last_seen_at, expires_at FROM sessions
            WHERE user_id = ? AND expires_at > ? ORDER BY id DESC
            """, [userID, now]) { row in
            json.beginObject()
            json.key("id"); json.int(row.int64(0))
            json.key("user_agent"); json.string(row.string(1))
            json.key("created_at"); json.timestamp(row.int64(2))
            json.key("last_seen_at"); json.timestamp(row.int64(3))
            json.key("expires_at"); json.timestamp(row.int64(4))
            json.key("current"); json.bool(row.int64(0) == current)
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return json.bytes
    }

    /// Ends one of the account's sessions; false when it has no such session.
    static func revoke(_ db: SQLConnection, userID: Int64, id: Int64) throws -> Bool {
        try db.run("DELETE FROM sessions WHERE user_id = ? AND id = ?", [userID, id])
        return db.changes > 0
    }

    /// Ends every session of the account (token rotated, account erased).
    static func revokeAll(_ db: SQLConnection, userID: Int64) throws {
        try db.run("DELETE FROM sessions WHERE user_id = ?", [userID])
    }

    /// Expired sessions are deleted by the scheduler's purge.
    static func purgeExpired(_ db: SQLConnection, now: Int64) throws {
        try db.run("DELETE FROM sessions WHERE expires_at <= ?", [now])
    }
}
