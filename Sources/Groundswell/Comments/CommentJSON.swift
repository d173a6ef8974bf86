import JSON
import SQLiteStore
import Storage

/// A comment as the API shows it, read from a row selected with `columns` and `from`. A reply
/// from staff (`official`) has no customer id; it shows the staff member's name.
enum CommentJSON {
    static let columns = "c.id, c.idea_id, c.author_id, COALESCE(u.name, s.name), c.body, c.created_at"
    static let from = "FROM comments c LEFT JOIN users u ON u.id = c.author_id LEFT JOIN staff s ON s.id = c.staff_id"

    static func write(_ row: SQLRow, into json: inout JSONWriter, hidden: Bool? = nil) {
        json.beginObject()
        json.key("id"); json.int(row.int64(0))
        json.key("idea_id"); json.int(row.int64(1))
        json.key("author")
        json.beginObject()
        json.key("id"); if row.isNull(2) { json.null() } else { json.int(row.int64(2)) }
        json.key("name"); row.withText(3) { json.string(utf8: $0) }
        json.endObject()
        json.key("official"); json.bool(row.isNull(2))
        json.key("body"); row.withText(4) { json.string(utf8: $0) }
        json.key("created_at"); json.timestamp(row.int64(5))
        if let hidden { json.key("hidden"); json.bool(hidden) }
        json.endObject()
    }
}
