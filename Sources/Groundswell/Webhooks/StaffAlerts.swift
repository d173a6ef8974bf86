import JSON
import SQLiteStore
import Storage

/// Messages for the staff about the service itself (a webhook disabled after failing), shown
/// by `GET /admin/alerts` until resolved.
enum StaffAlerts {
    static func raise(_ db: SQLConnection, kind: String, message: String, webhookID: Int64?, now: Int64) throws {
        try db.run("INSERT INTO staff_alerts (kind, message, webhook_id, created_at) VALUES (?, ?, ?, ?)",
                   [kind, message, webhookID, now])
    }

    static func list(_ db: SQLConnection, includeResolved: Bool) throws -> [UInt8] {
        var json = JSONWriter(capacity: 1024)
        json.beginObject()
        json.key("items")
        json.beginArray()
        _ = try db.query("""
            SELECT id, kind, message, webhook_id, created_at, resolved_at FROM staff_alerts
            WHERE ? OR resolved_at IS NULL ORDER BY id DESC LIMIT 200
            """, [includeResolved]) { row in
            json.beginObject()
            json.key("id"); json.int(row.int64(0))
            json.key("kind"); json.string(row.string(1))
            json.key("message"); json.string(row.string(2))
            json.key("webhook_id"); if let id = row.optionalInt64(3) { json.int(id) } else { json.null() }
            json.key("created_at"); json.timestamp(row.int64(4))
            json.key("resolved_at"); if let at = row.optionalInt64(5) { json.timestamp(at) } else { json.null() }
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return json.bytes
    }

    /// Marks an alert resolved; 404 when there is none.
    static func resolve(_ db: SQLConnection, id: Int64, now: Int64) throws {
        guard try db.scalarInt("SELECT 1 FROM staff_alerts WHERE id = ?", [id]) != nil else { throw APIError.notFound("alert") }
        try db.run("UPDATE staff_alerts SET resolved_at = COALESCE(resolved_at, ?) WHERE id = ?", [now, id])
    }

}
