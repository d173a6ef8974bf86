import JSON
import SQLiteStore
import Storage

/// Every statement about staff accounts (tokens stored only as hashes).
enum StaffStore {
    static let columns = "id, name, role, created_at, revoked_at"

    static func write(_ row: SQLRow, into json: inout JSONWriter) {
        json.beginObject()
        json.key("id"); json.int(row.int64(0))
        json.key("name"); json.string(row.string(1))
        json.key("role"); json.string(row.string(2))
        json.key("created_at"); json.timestamp(row.int64(3))
        json.key("revoked_at"); if row.isNull(4) { json.null() } else { json.timestamp(row.int64(4)) }
        json.endObject()
    }

    static func create(_ db: SQLConnection, name: String, role: StaffRole, tokenHash: [UInt8], at now: Int64) throws -> Int64 {
        try db.run("INSERT INTO staff (name, role, token_hash, created_at) VALUES (?, ?, ?, ?)", [name, role.rawValue, tokenHash, now])
        return db.lastInsertRowID
    }

    static func writeAll(_ db: SQLConnection, into json: inout JSONWriter) throws {
        _ = try db.query("SELECT \(columns) FROM staff ORDER BY id") { StaffStore.write($0, into: &json) }
    }

    static func json(_ db: SQLConnection, id: Int64) throws -> [UInt8]? {
        try db.queryOne("SELECT \(columns) FROM staff WHERE id = ?", [id]) { row -> [UInt8] in
            var json = JSONWriter()
            StaffStore.write(row, into: &json)
            return json.bytes
        }
    }

    /// Role and revocation time of a staff member, or nil if there is none.
    static func roleAndRevocation(_ db: SQLConnection, id: Int64) throws -> (role: String, revokedAt: Int64?)? {
        try db.queryOne("SELECT role, revoked_at FROM staff WHERE id = ?", [id], { ($0.string(0), $0.optionalInt64(1)) })
    }

    static func activeAdmins(_ db: SQLConnection) throws -> Int64 {
        try db.scalarInt("SELECT COUNT(*) FROM staff WHERE role = 'admin' AND revoked_at IS NULL") ?? 0
    }

    static func revoke(_ db: SQLConnection, id: Int64, at now: Int64) throws {
        try db.run("UPDATE staff SET revoked_at = ? WHERE id = ?", [now, id])
    }

    /// The active staff member with this token hash.
    static func member(_ db: SQLConnection, tokenHash: [UInt8]) throws -> StaffMember? {
        try db.queryOne("SELECT id, name, role FROM staff WHERE token_hash = ? AND revoked_at IS NULL", [tokenHash]) {
            StaffMember(id: $0.int64(0), name: $0.string(1), role: StaffRole(rawValue: $0.string(2)) ?? .moderator)
        }
    }

    /// Makes sure an admin can sign in: `token`'s hash becomes the first admin's (or a new
    /// admin's), or with no token a new one is generated when there is no admin yet; returns it.
    static func bootstrapAdmin(_ db: SQLConnection, token: String?, at now: Int64) throws -> String? {
        // Nodes starting together on one PostgreSQL database take turns: the second sees the first's admin.
        try db.lockExclusively("bootstrap-admin")
        let firstAdmin = try db.scalarInt("SELECT id FROM staff WHERE role = 'admin' AND revoked_at IS NULL ORDER BY id LIMIT 1")
        if let token {
            let hash = Tokens.hash(token)
            if try db.scalarInt("SELECT id FROM staff WHERE token_hash = ?", [hash]) != nil { return nil }
            if let id = firstAdmin {
                try db.run("UPDATE staff SET token_hash = ? WHERE id = ?", [hash, id])
            } else {
                try db.run("INSERT INTO staff (name, role, token_hash, created_at) VALUES ('admin', 'admin', ?, ?)", [hash, now])
            }
            return nil
        }
        guard firstAdmin == nil else { return nil }
        let generated = Tokens.generate(prefix: "gsa_")
        try db.run("INSERT INTO staff (name, role, token_hash, created_at) VALUES ('admin', 'admin', ?, ?)", [Tokens.hash(generated), now])
        return generated
    }
}
