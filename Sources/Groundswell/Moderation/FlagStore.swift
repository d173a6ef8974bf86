import JSON
import SQLiteStore
import Storage

/// Every statement about flags (reports of ideas and comments) and the moderation queue.
enum FlagStore {
    /// The table a flag's target lives in (three kinds exist; never spliced from input).
    private static func table(_ type: String) -> String {
        switch type {
        case "idea": return "ideas"
        case "media": return "media"
        default: return "comments"
        }
    }

    /// Whether the target exists and is visible (a picture also needs its idea visible).
    static func targetVisible(_ db: SQLConnection, type: String, id: Int64) throws -> Bool {
        if type == "media" { return try MediaStore.visible(db, id: id) }
        return try db.scalarInt("SELECT 1 FROM \(table(type)) WHERE id = ? AND hidden = 0", [id]) != nil
    }

    /// Files a flag; nil if this customer already flagged the target.
    static func add(_ db: SQLConnection, type: String, targetID: Int64, userID: Int64, reason: String, at now: Int64) throws -> Int64? {
        try db.run("""
            INSERT INTO flags (target_type, target_id, user_id, reason, created_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT DO NOTHING
            """, [type, targetID, userID, reason, now])
        return db.changes == 0 ? nil : db.lastInsertRowID
    }

    /// A page of the queue (`open` or `resolved`), oldest first, after flag `after`.
    static func page(_ db: SQLConnection, state: String, after: Int64, limit: Int) throws -> [UInt8] {
        try PageWriter.write(db, sql: """
            SELECT id, target_type, target_id, reason, state, resolution, created_at, resolved_at FROM flags
            WHERE state = ? AND id > ? ORDER BY id LIMIT ?
            """, values: [state, after], limit: limit,
            cursor: { Cursor(kind: "flags", values: [String($0.int64(0))]) },
            item: { FlagJSON.write($0, into: &$1) })
    }

    struct Flag {
        let type: String
        let targetID: Int64
        let state: String
    }

    static func find(_ db: SQLConnection, id: Int64) throws -> Flag? {
        try db.queryOne("SELECT target_type, target_id, state FROM flags WHERE id = ?", [id]) {
            Flag(type: $0.string(0), targetID: $0.int64(1), state: $0.string(2))
        }
    }

    /// Hides the flagged item; hiding settles every open flag on it.
    static func hideTarget(_ db: SQLConnection, _ flag: Flag, staffID: Int64, at now: Int64) throws {
        if flag.type == "media" {
            try MediaStore.setHidden(db, id: flag.targetID, hidden: true)
        } else {
            try db.run("UPDATE \(table(flag.type)) SET hidden = 1 WHERE id = ?", [flag.targetID])
        }
        try db.run("""
            UPDATE flags SET state = 'resolved', resolution = 'hide', resolved_by = ?, resolved_at = ?
            WHERE target_type = ? AND target_id = ? AND state = 'open'
            """, [staffID, now, flag.type, flag.targetID])
    }

    static func dismiss(_ db: SQLConnection, id: Int64, staffID: Int64, at now: Int64) throws {
        try db.run("UPDATE flags SET state = 'resolved', resolution = 'dismiss', resolved_by = ?, resolved_at = ? WHERE id = ?",
                   [staffID, now, id])
    }

    /// The customer's own flags, for their data export.
    static func writeByUser(_ db: SQLConnection, userID: Int64, into json: inout JSONWriter) throws {
        _ = try db.query("SELECT id, target_type, target_id, reason, state, resolution, created_at, resolved_at FROM flags WHERE user_id = ? ORDER BY id",
                         [userID]) { FlagJSON.write($0, into: &json) }
    }
}
