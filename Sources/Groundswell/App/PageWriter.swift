import JSON
import SQLiteStore
import Storage

/// Writes one page of a keyset-paged listing, `{"items":[…],"next_cursor":…}`, from a query
/// ending in `LIMIT ?`: it asks for one row more than the page to know whether another
/// page exists, and makes the cursor from the last row served.
enum PageWriter {
    static func write(_ db: SQLConnection, sql: String, values: [SQLiteBindable], limit: Int, capacity: Int = 2048,
                      cursor: (SQLRow) -> Cursor?, item: (SQLRow, inout JSONWriter) -> Void) throws -> [UInt8] {
        var json = JSONWriter(capacity: capacity)
        json.beginObject()
        json.key("items")
        json.beginArray()
        var count = 0
        var next: Cursor?
        var more = false
        _ = try db.query(sql, values + [limit + 1]) { row in
            if count == limit {
                more = true
                return
            }
            item(row, &json)
            next = cursor(row)
            count += 1
        }
        json.endArray()
        json.key("next_cursor")
        json.optionalString(more ? next?.encoded : nil)
        json.endObject()
        return json.bytes
    }
}
