import JSON
import HTTPServer
import SQLiteStore

/// Discussion under an idea, listed oldest first.
struct CommentRoutes {
    let context: AppContext
    let auth: Authenticator

    static let columns = "c.id, c.idea_id, c.author_id, u.name, c.body, c.created_at"
    static let from = "FROM comments c JOIN users u ON u.id = c.author_id"

    func register(on router: Router) {
        router.post("/ideas/{id}/comments") { request in try create(request) }
        router.get("/ideas/{id}/comments") { request in try list(request) }
    }

    func create(_ request: Request) throws -> Reply {
        let ideaID = try context.pathID(request, what: "idea")
        let user = try auth.user(request)
        let text = try RequestBody(request).requiredString("body", length: 1...5000, multiline: true)
        let now = context.clock.nowMillis()
        return context.write(request) { db in
            _ = try IdeaJSON.requireOpenForParticipation(db, id: ideaID)
            try db.run("INSERT INTO comments (idea_id, author_id, body, created_at) VALUES (?, ?, ?, ?)",
                       [ideaID, user.id, text, now])
            let id = db.lastInsertRowID
            let body = try db.queryOne("SELECT \(CommentRoutes.columns) \(CommentRoutes.from) WHERE c.id = ?", [id]) { row -> [UInt8] in
                var json = JSONWriter()
                CommentRoutes.write(row, into: &json)
                return json.bytes
            }
            return .json(.created, body ?? [])
        }
    }

    func list(_ request: Request) throws -> Reply {
        let ideaID = try context.pathID(request, what: "idea")
        let page = try PageRequest(request.queryItems)
        let after = try page.cursor.map { try Cursor.decode($0, kind: "comments", count: 1).int(0) } ?? 0
        let body = try context.read { db -> [UInt8] in
            guard try IdeaJSON.exists(db, id: ideaID) else { throw APIError.notFound("idea") }
            return try PageWriter.write(db, sql: """
                SELECT \(CommentRoutes.columns) \(CommentRoutes.from)
                WHERE c.idea_id = ? AND c.hidden = 0 AND c.id > ? ORDER BY c.id LIMIT ?
                """, values: [ideaID, after], limit: page.limit,
                cursor: { Cursor(kind: "comments", values: [String($0.int64(0))]) },
                item: { CommentRoutes.write($0, into: &$1) })
        }
        return .response(.json(.ok, body))
    }

    static func write(_ row: Row, into json: inout JSONWriter, hidden: Bool? = nil) {
        json.beginObject()
        json.key("id"); json.int(row.int64(0))
        json.key("idea_id"); json.int(row.int64(1))
        json.key("author")
        json.beginObject()
        json.key("id"); json.int(row.int64(2))
        json.key("name"); row.withText(3) { json.string(utf8: $0) }
        json.endObject()
        json.key("body"); row.withText(4) { json.string(utf8: $0) }
        json.key("created_at"); json.timestamp(row.int64(5))
        if let hidden { json.key("hidden"); json.bool(hidden) }
        json.endObject()
    }
}
