import SQLiteStore

/// The one definition of an idea as the API shows it, read straight from a row
/// selected with `IdeaJSON.columns`.
enum IdeaJSON {
    /// Select list matching `write(_:into:)`; join `users u ON u.id = i.author_id`.
    static let columns = """
        i.id, i.title, i.description, i.category, i.author_id, u.name, i.status, \
        i.vote_count, i.comment_count, i.created_at
        """
    static let from = "FROM ideas i JOIN users u ON u.id = i.author_id"

    static func write(_ row: Row, into json: inout JSONWriter) {
        json.beginObject()
        json.key("id"); json.int(row.int64(0))
        json.key("title"); row.withText(1) { json.string(utf8: $0) }
        json.key("description"); row.withText(2) { json.string(utf8: $0) }
        json.key("category"); row.withText(3) { json.string(utf8: $0) }
        json.key("author")
        json.beginObject()
        json.key("id"); json.int(row.int64(4))
        json.key("name"); row.withText(5) { json.string(utf8: $0) }
        json.endObject()
        json.key("status"); row.withText(6) { json.string(utf8: $0) }
        json.key("votes"); json.int(row.int64(7))
        json.key("comments"); json.int(row.int64(8))
        json.key("created_at"); json.timestamp(row.int64(9))
        json.endObject()
    }

    /// The visible idea `id` as JSON bytes, or nil.
    static func fetch(_ db: Connection, id: Int64) throws -> [UInt8]? {
        try db.queryOne("SELECT \(columns) \(from) WHERE i.id = ? AND i.hidden = 0", [id]) { row in
            var json = JSONWriter(capacity: 512)
            write(row, into: &json)
            return json.bytes
        }
    }

    /// Whether a visible idea with this id exists.
    static func exists(_ db: Connection, id: Int64) throws -> Bool {
        try db.scalarInt("SELECT 1 FROM ideas WHERE id = ? AND hidden = 0", [id]) != nil
    }
}
