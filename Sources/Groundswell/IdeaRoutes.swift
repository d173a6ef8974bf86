import HTTPServer
import SQLiteStore

/// Submitting, reading and browsing ideas.
struct IdeaRoutes {
    let context: AppContext
    let auth: Authenticator

    static let statuses = ["submitted", "under_review", "accepted", "in_progress", "launched", "declined", "duplicate"]

    func register(on router: Router) {
        router.post("/ideas") { request in try create(request) }
        router.get("/ideas") { request in try list(request) }
        router.get("/ideas/{id}") { request in try show(request) }
    }

    func create(_ request: Request) throws -> Reply {
        let user = try auth.user(request)
        let body = try RequestBody(request)
        let title = try body.requiredString("title", length: 3...140)
        let description = try body.requiredString("description", length: 1...10_000, multiline: true)
        let category = try body.requiredString("category", length: 1...40)
        let now = context.clock.nowMillis()
        return context.write { db in
            try db.run("""
                INSERT INTO ideas (author_id, title, description, category, status, created_at)
                VALUES (?, ?, ?, ?, 'submitted', ?)
                """, [user.id, title, description, category, now])
            guard let json = try IdeaJSON.fetch(db, id: db.lastInsertRowID) else { throw HTTPError.internalError }
            return .json(.created, json)
        }
    }

    func show(_ request: Request) throws -> Reply {
        let id = try context.pathID(request, what: "idea")
        guard let json = try context.read({ try IdeaJSON.fetch($0, id: id) }) else { throw APIError.notFound("idea") }
        return .response(.json(.ok, json))
    }

    enum Sort: String {
        case top, new, trending, relevance
    }

    func list(_ request: Request) throws -> Reply {
        let query = request.queryItems
        let page = try PageRequest(query)
        let search = query["q"].map { $0.trimmingWhitespace() }.flatMap { $0.isEmpty ? nil : $0 }
        let sort: Sort
        if let raw = query["sort"], !raw.isEmpty {
            guard let parsed = Sort(rawValue: raw) else {
                throw APIError.invalid("sort must be one of top, new, trending\(search == nil ? "" : ", relevance")")
            }
            if parsed == .relevance && search == nil { throw APIError.invalid("sort=relevance needs q") }
            sort = parsed
        } else {
            sort = search == nil ? .new : .relevance
        }
        var conditions = ["i.hidden = 0"]
        var values: [SQLiteBindable] = []
        if let status = query["status"], !status.isEmpty {
            guard IdeaRoutes.statuses.contains(status) else {
                throw APIError.invalid("status must be one of \(IdeaRoutes.statuses.joined(separator: ", "))")
            }
            conditions.append("i.status = ?")
            values.append(status)
        }
        if let category = query["category"], !category.isEmpty {
            conditions.append("i.category = ?")
            values.append(category)
        }
        var matchExpression: String?
        if let search {
            guard let expression = IdeaRoutes.ftsQuery(search) else {
                return .response(.json(.ok, IdeaRoutes.emptyPage))
            }
            matchExpression = expression
            if sort != .relevance {
                conditions.append("i.id IN (SELECT rowid FROM ideas_fts WHERE ideas_fts MATCH ?)")
                values.append(expression)
            }
        }

        let body = try context.read { db -> [UInt8] in
            var order: String
            var from = IdeaJSON.from
            var extraColumns = ""
            var offset = 0
            var snapshotID: Int64 = 0
            switch sort {
            case .new:
                order = "i.id DESC"
                if let text = page.cursor {
                    let cursor = try Cursor.decode(text, kind: "new", count: 1)
                    conditions.append("i.id < ?")
                    values.append(try cursor.int(0))
                }
            case .top:
                order = "i.vote_count DESC, i.id DESC"
                if let text = page.cursor {
                    let cursor = try Cursor.decode(text, kind: "top", count: 2)
                    let votes = try cursor.int(0), id = try cursor.int(1)
                    conditions.append("(i.vote_count < ? OR (i.vote_count = ? AND i.id < ?))")
                    values += [votes, votes, id]
                }
            case .trending:
                order = "i.trend DESC, i.id DESC"
                if let text = page.cursor {
                    let cursor = try Cursor.decode(text, kind: "trending", count: 2)
                    let trend = try cursor.double(0), id = try cursor.int(1)
                    conditions.append("(i.trend < ? OR (i.trend = ? AND i.id < ?))")
                    values += [trend, trend, id]
                }
            case .relevance:
                // bm25 scores move as the corpus grows, so relevance pages by position
                // within a snapshot: ideas newer than the first page never shift later pages.
                from = "FROM ideas_fts f JOIN ideas i ON i.id = f.rowid JOIN users u ON u.id = i.author_id"
                extraColumns = ", bm25(ideas_fts, 10.0, 1.0) AS rank"
                order = "rank, i.id"
                conditions.insert("ideas_fts MATCH ?", at: 0)
                values.insert(matchExpression!, at: 0)
                if let text = page.cursor {
                    let cursor = try Cursor.decode(text, kind: "relevance", count: 2)
                    snapshotID = try cursor.int(0)
                    offset = Int(try cursor.int(1))
                    guard offset >= 0 else { throw APIError.invalid("cursor is not a valid cursor") }
                } else {
                    snapshotID = try db.scalarInt("SELECT COALESCE(MAX(id), 0) FROM ideas") ?? 0
                }
                conditions.append("i.id <= ?")
                values.append(snapshotID)
            }
            let sql = """
                SELECT \(IdeaJSON.columns), i.trend\(extraColumns) \(from)
                WHERE \(conditions.joined(separator: " AND ")) ORDER BY \(order) LIMIT ? OFFSET ?
                """
            values += [page.limit + 1, offset]
            var json = JSONWriter(capacity: 512 * page.limit)
            json.beginObject()
            json.key("items")
            json.beginArray()
            var count = 0
            var nextCursor: Cursor?
            var more = false
            _ = try db.query(sql, values) { row in
                if count == page.limit {
                    more = true  // LIMIT asked for one extra row: another page exists
                    return
                }
                count += 1
                IdeaJSON.write(row, into: &json)
                switch sort {
                case .new: nextCursor = Cursor(kind: "new", values: [String(row.int64(0))])
                case .top: nextCursor = Cursor(kind: "top", values: [String(row.int64(7)), String(row.int64(0))])
                case .trending: nextCursor = Cursor(kind: "trending", values: [Cursor.encodeDouble(row.double(10)), String(row.int64(0))])
                case .relevance: nextCursor = Cursor(kind: "relevance", values: [String(snapshotID), String(offset + count)])
                }
            }
            json.endArray()
            json.key("next_cursor")
            json.optionalString(more ? nextCursor?.encoded : nil)
            json.endObject()
            return json.bytes
        }
        return .response(.json(.ok, body))
    }

    static let emptyPage = Array(#"{"items":[],"next_cursor":null}"#.utf8)

    /// Turns free text into a safe FTS5 query: each word becomes a quoted term (so no
    /// user input is read as FTS syntax), all terms required. Nil if there are no words.
    static func ftsQuery(_ text: String) -> String? {
        var terms: [String] = []
        var current = ""
        for scalar in text.unicodeScalars {
            if scalar.properties.isAlphabetic || scalar.properties.numericType != nil || scalar == "_" {
                current.unicodeScalars.append(scalar)
            } else if !current.isEmpty {
                terms.append(current)
                current = ""
            }
        }
        if !current.isEmpty { terms.append(current) }
        guard !terms.isEmpty else { return nil }
        return terms.prefix(16).map { "\"\($0)\"" }.joined(separator: " ")
    }
}
