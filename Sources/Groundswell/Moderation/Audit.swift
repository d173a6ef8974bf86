import JSON
import SQLiteStore
import Storage

/// The append-only record of staff actions: who, what, on what, before and after, when.
/// Always written inside the transaction that makes the change.
enum Audit {
    static func record(_ db: SQLConnection, actor: StaffMember, action: String, target: String,
                       before: String?, after: String?, at now: Int64) throws {
        try db.run("""
            INSERT INTO audit_log (actor_id, actor_name, actor_role, action, target, before_value, after_value, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, [actor.id, actor.name, actor.role.rawValue, action, target, before, after, now])
    }

    /// A page of the log, newest first; `conditions` are fixed SQL fragments with `?` for `values`.
    static func page(_ db: SQLConnection, conditions: [String], values: [SQLiteBindable], limit: Int) throws -> [UInt8] {
        try PageWriter.write(db, sql: """
            SELECT id, actor_id, actor_name, actor_role, action, target, before_value, after_value, created_at FROM audit_log
            WHERE \(conditions.joined(separator: " AND ")) ORDER BY id DESC LIMIT ?
            """, values: values, limit: limit, capacity: 4096,
            cursor: { Cursor(kind: "audit", values: [String($0.int64(0))]) },
            item: Audit.writeEntry)
    }

    static func writeEntry(_ row: SQLRow, into json: inout JSONWriter) {
        json.beginObject()
        json.key("id"); json.int(row.int64(0))
        json.key("actor")
        json.beginObject()
        json.key("id"); json.int(row.int64(1))
        json.key("name"); json.string(row.string(2))
        json.key("role"); json.string(row.string(3))
        json.endObject()
        json.key("action"); json.string(row.string(4))
        json.key("target"); json.string(row.string(5))
        json.key("before"); json.optionalString(row.optionalString(6))
        json.key("after"); json.optionalString(row.optionalString(7))
        json.key("at"); json.timestamp(row.int64(8))
        json.endObject()
    }

}
