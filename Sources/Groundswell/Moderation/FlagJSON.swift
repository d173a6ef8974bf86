import JSON
import SQLiteStore
import Storage

/// A flag as the API shows it.
enum FlagJSON {
    static func fetch(_ db: SQLConnection, id: Int64) throws -> [UInt8] {
        try db.queryOne("SELECT id, target_type, target_id, reason, state, resolution, created_at, resolved_at FROM flags WHERE id = ?", [id]) { row in
            var json = JSONWriter()
            write(row, into: &json)
            return json.bytes
        } ?? []
    }

    static func write(_ row: SQLRow, into json: inout JSONWriter) {
        json.beginObject()
        json.key("id"); json.int(row.int64(0))
        json.key("target_type"); json.string(row.string(1))
        json.key("target_id"); json.int(row.int64(2))
        json.key("reason"); json.string(row.string(3))
        json.key("state"); json.string(row.string(4))
        json.key("resolution"); json.optionalString(row.optionalString(5))
        json.key("created_at"); json.timestamp(row.int64(6))
        json.key("resolved_at"); if row.isNull(7) { json.null() } else { json.timestamp(row.int64(7)) }
        json.endObject()
    }
}
