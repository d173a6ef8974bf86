import SQLiteStore
import Storage

/// Staff console sessions: every statement about them.
enum StaffSessionStore {
    /// 12 hours: a working day, then the token again.
    static let lifetime: Int64 = 12 * 3_600_000
    static let cookie = "gs_staff"

    struct Session: Sendable {
        let id: Int64
        let member: StaffMember
        let csrf: String
    }

    static func create(_ db: SQLConnection, staffID: Int64, tokenHash: [UInt8], csrf: String, now: Int64) throws -> Int64 {
        try db.run("INSERT INTO staff_sessions (staff_id, token_hash, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                   [staffID, tokenHash, csrf, now, now + lifetime])
        return db.lastInsertRowID
    }

    /// A live session of a staff member who is not revoked.
    static func session(_ db: SQLConnection, tokenHash: [UInt8], now: Int64) throws -> Session? {
        try db.queryOne("""
            SELECT s.id, m.id, m.name, m.role, s.csrf_token FROM staff_sessions s JOIN staff m ON m.id = s.staff_id
            WHERE s.token_hash = ? AND s.expires_at > ? AND m.revoked_at IS NULL
            """, [tokenHash, now]) {
            Session(id: $0.int64(0), member: StaffMember(id: $0.int64(1), name: $0.string(2), role: StaffRole(rawValue: $0.string(3)) ?? .moderator),
                    csrf: $0.string(4))
        }
    }

    static func revoke(_ db: SQLConnection, tokenHash: [UInt8]) throws {
        try db.run("DELETE FROM staff_sessions WHERE token_hash = ?", [tokenHash])
    }

    static func purgeExpired(_ db: SQLConnection, now: Int64) throws {
        try db.run("DELETE FROM staff_sessions WHERE expires_at <= ?", [now])
    }
}
