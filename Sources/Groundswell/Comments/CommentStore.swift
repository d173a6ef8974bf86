import JSON
import SQLiteStore
import Storage

/// Every statement about comments, each read decoded next to its SELECT (`CommentJSON`).
enum CommentStore {
    /// Adds a comment; returns its id.
    static func insert(_ db: SQLConnection, ideaID: Int64, authorID: Int64, body: String, at now: Int64) throws -> Int64 {
        try db.run("INSERT INTO comments (idea_id, author_id, body, created_at) VALUES (?, ?, ?, ?)", [ideaID, authorID, body, now])
        return db.lastInsertRowID
    }

    /// The comment as the API shows it (hidden ones too, with `hidden` when `withHidden`).
    static func json(_ db: SQLConnection, id: Int64, withHidden: Bool = false) throws -> [UInt8]? {
        try db.queryOne("SELECT \(CommentJSON.columns), c.hidden \(CommentJSON.from) WHERE c.id = ?", [id]) { row -> [UInt8] in
            var json = JSONWriter()
            CommentJSON.write(row, into: &json, hidden: withHidden ? row.bool(6) : nil)
            return json.bytes
        }
    }

    /// A reply from staff: the company answering under the idea as itself.
    static func insertOfficial(_ db: SQLConnection, ideaID: Int64, staffID: Int64, body: String, at now: Int64) throws -> Int64 {
        try db.run("INSERT INTO comments (idea_id, staff_id, body, created_at) VALUES (?, ?, ?, ?)", [ideaID, staffID, body, now])
        return db.lastInsertRowID
    }

    static func authorName(_ db: SQLConnection, commentID: Int64) throws -> String {
        try db.queryOne("SELECT COALESCE(u.name, s.name) \(CommentJSON.from) WHERE c.id = ?", [commentID], { $0.string(0) }) ?? ""
    }

    /// A page of an idea's visible comments, oldest first, after comment `after`.
    static func page(_ db: SQLConnection, ideaID: Int64, after: Int64, limit: Int) throws -> [UInt8] {
        try PageWriter.write(db, sql: """
            SELECT \(CommentJSON.columns) \(CommentJSON.from)
            WHERE c.idea_id = ? AND c.hidden = 0 AND c.id > ? ORDER BY c.id LIMIT ?
            """, values: [ideaID, after], limit: limit,
            cursor: { Cursor(kind: "comments", values: [String($0.int64(0))]) },
            item: { CommentJSON.write($0, into: &$1) })
    }

    /// Hides or shows a comment; returns whether it was hidden before, or nil if there is none.
    static func setHidden(_ db: SQLConnection, id: Int64, hidden: Bool) throws -> Bool? {
        guard let was = try db.queryOne("SELECT hidden FROM comments WHERE id = ?", [id], { $0.bool(0) }) else { return nil }
        if was != hidden { try db.run("UPDATE comments SET hidden = ? WHERE id = ?", [hidden, id]) }
        return was
    }

    /// The customer's own comments, for their data export.
    static func writeByAuthor(_ db: SQLConnection, userID: Int64, into json: inout JSONWriter) throws {
        _ = try db.query("SELECT \(CommentJSON.columns), c.hidden \(CommentJSON.from) WHERE c.author_id = ? ORDER BY c.id", [userID]) {
            CommentJSON.write($0, into: &json, hidden: $0.bool(6))
        }
    }
}
