import SQLiteStore

/// The append-only record of staff actions: who, what, on what, before and after, when.
/// Always written inside the transaction that makes the change.
enum Audit {
    static func record(_ db: Connection, actor: StaffMember, action: String, target: String,
                       before: String?, after: String?, at now: Int64) throws {
        try db.run("""
            INSERT INTO audit_log (actor_id, actor_name, actor_role, action, target, before_value, after_value, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, [actor.id, actor.name, actor.role.rawValue, action, target, before, after, now])
    }
}
