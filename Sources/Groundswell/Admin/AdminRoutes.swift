import JSON
import HTTPServer
import SQLiteStore

/// Staff accounts, categories, the audit log and operating figures.
struct AdminRoutes {
    let context: AppContext
    let auth: Authenticator

    func register(on router: Router) {
        router.post("/admin/staff") { request in try createStaff(request) }
        router.get("/admin/staff") { request in try listStaff(request) }
        router.delete("/admin/staff/{id}") { request in try revokeStaff(request) }
        router.get("/categories") { request in try categories(request) }
        router.post("/admin/categories") { request in try createCategory(request) }
        router.delete("/admin/categories/{id}") { request in try deleteCategory(request) }
        router.get("/admin/audit") { request in try audit(request) }
        router.get("/admin/stats") { request in try stats(request) }
        router.get("/admin/users/{id}") { request in try user(request) }
        // Protected by a staff token (any role), like the rest of the operating surface.
        router.get("/metrics") { request in
            _ = try auth.staff(request, role: .moderator)
            return .response(Response(status: .ok, body: Array(context.renderMetrics().utf8),
                                      contentType: "text/plain; version=0.0.4; charset=utf-8"))
        }
    }

    // MARK: staff

    static func writeStaff(_ row: Row, into json: inout JSONWriter) {
        json.beginObject()
        json.key("id"); json.int(row.int64(0))
        json.key("name"); json.string(row.string(1))
        json.key("role"); json.string(row.string(2))
        json.key("created_at"); json.timestamp(row.int64(3))
        json.key("revoked_at"); if row.isNull(4) { json.null() } else { json.timestamp(row.int64(4)) }
        json.endObject()
    }

    func createStaff(_ request: Request) throws -> Reply {
        let admin = try auth.staff(request, role: .admin)
        let body = try RequestBody(request)
        let name = try body.requiredString("name", length: 1...80)
        let roleName = try body.requiredString("role", length: 1...20)
        guard let role = StaffRole(rawValue: roleName) else { throw APIError.invalid("role must be admin or moderator") }
        let token = Tokens.generate(prefix: role == .admin ? "gsa_" : "gsm_")
        let now = context.clock.nowMillis()
        return context.write(request) { db in
            try db.run("INSERT INTO staff (name, role, token_hash, created_at) VALUES (?, ?, ?, ?)", [name, role.rawValue, Tokens.hash(token), now])
            let id = db.lastInsertRowID
            try Audit.record(db, actor: admin, action: "staff.create", target: "staff:\(id)", before: nil, after: "\(name) (\(role.rawValue))", at: now)
            var json = JSONWriter()
            json.beginObject()
            json.key("id"); json.int(id)
            json.key("name"); json.string(name)
            json.key("role"); json.string(role.rawValue)
            json.key("token"); json.string(token)
            json.key("created_at"); json.timestamp(now)
            json.endObject()
            return Response.json(.created, json).secret()
        }
    }

    func listStaff(_ request: Request) throws -> Reply {
        _ = try auth.staff(request, role: .admin)
        let body = try context.read { db -> [UInt8] in
            var json = JSONWriter(capacity: 1024)
            json.beginObject()
            json.key("items")
            json.beginArray()
            _ = try db.query("SELECT id, name, role, created_at, revoked_at FROM staff ORDER BY id") { AdminRoutes.writeStaff($0, into: &json) }
            json.endArray()
            json.endObject()
            return json.bytes
        }
        return .response(.json(.ok, body))
    }

    func revokeStaff(_ request: Request) throws -> Reply {
        let admin = try auth.staff(request, role: .admin)
        let id = try context.pathID(request, what: "staff member")
        let now = context.clock.nowMillis()
        return context.write(request) { db in
            guard let member = try db.queryOne("SELECT role, revoked_at FROM staff WHERE id = ?", [id], { ($0.string(0), $0.optionalInt64(1)) }) else {
                throw APIError.notFound("staff member")
            }
            if member.1 == nil {
                if member.0 == "admin",
                   (try db.scalarInt("SELECT COUNT(*) FROM staff WHERE role = 'admin' AND revoked_at IS NULL") ?? 0) <= 1 {
                    throw APIError.conflict(.lastAdmin, "the last admin cannot be revoked")
                }
                try db.run("UPDATE staff SET revoked_at = ? WHERE id = ?", [now, id])
                try Audit.record(db, actor: admin, action: "staff.revoke", target: "staff:\(id)", before: "active", after: "revoked", at: now)
            }
            let body = try db.queryOne("SELECT id, name, role, created_at, revoked_at FROM staff WHERE id = ?", [id]) { row -> [UInt8] in
                var json = JSONWriter()
                AdminRoutes.writeStaff(row, into: &json)
                return json.bytes
            }
            return .json(.ok, body ?? [])
        }
    }

    // MARK: categories

    func categories(_ request: Request) throws -> Reply {
        let body = try context.read { db -> [UInt8] in
            var json = JSONWriter(capacity: 512)
            json.beginObject()
            json.key("items")
            json.beginArray()
            _ = try db.query("SELECT id, name, created_at FROM categories ORDER BY name") { row in
                json.beginObject()
                json.key("id"); json.int(row.int64(0))
                json.key("name"); json.string(row.string(1))
                json.key("created_at"); json.timestamp(row.int64(2))
                json.endObject()
            }
            json.endArray()
            json.endObject()
            return json.bytes
        }
        return .response(.json(.ok, body))
    }

    func createCategory(_ request: Request) throws -> Reply {
        let admin = try auth.staff(request, role: .admin)
        let name = try Categories.validName(try RequestBody(request).requiredString("name", length: 1...40), field: "name")
        let now = context.clock.nowMillis()
        return context.write(request) { db in
            // Names that look the same are the same category (compared by TextRules.matchKey).
            let key = TextRules.matchKey(name)
            if let existing = try db.query("SELECT name FROM categories", [], { $0.string(0) }).first(where: { TextRules.matchKey($0) == key }) {
                throw APIError.conflict(.categoryExists, "a category with this name already exists (\(existing))")
            }
            do {
                try db.run("INSERT INTO categories (name, created_at) VALUES (?, ?)", [name, now])
            } catch let error as SQLiteError where error.isUniqueViolation {
                throw APIError.conflict(.categoryExists, "a category with this name already exists")
            }
            let id = db.lastInsertRowID
            try Audit.record(db, actor: admin, action: "category.create", target: "category:\(id)", before: nil, after: name, at: now)
            var json = JSONWriter()
            json.beginObject()
            json.key("id"); json.int(id)
            json.key("name"); json.string(name)
            json.key("created_at"); json.timestamp(now)
            json.endObject()
            return .json(.created, json)
        }
    }

    func deleteCategory(_ request: Request) throws -> Reply {
        let admin = try auth.staff(request, role: .admin)
        let id = try context.pathID(request, what: "category")
        let now = context.clock.nowMillis()
        return context.write(request) { db in
            guard let name = try db.queryOne("SELECT name FROM categories WHERE id = ?", [id], { $0.string(0) }) else {
                throw APIError.notFound("category")
            }
            if try db.scalarInt("SELECT 1 FROM ideas WHERE category = ? COLLATE NOCASE LIMIT 1", [name]) != nil {
                throw APIError.conflict(.categoryInUse, "ideas use this category")
            }
            try db.run("DELETE FROM categories WHERE id = ?", [id])
            try Audit.record(db, actor: admin, action: "category.delete", target: "category:\(id)", before: name, after: nil, at: now)
            return Response(status: .noContent, contentType: nil)
        }
    }

    // MARK: audit, stats, users

    func audit(_ request: Request) throws -> Reply {
        _ = try auth.staff(request, role: .admin)
        let query = request.queryItems
        let page = try PageRequest(query)
        var conditions = ["id < ?"]
        var values: [SQLiteBindable] = [try page.cursor.map { try Cursor.decode($0, kind: "audit", count: 1).int(0) } ?? Int64.max]
        if let actor = query["actor"], !actor.isEmpty {
            guard let id = Int64(actor) else { throw APIError.invalid("actor must be a staff id") }
            conditions.append("actor_id = ?")
            values.append(id)
        }
        if let target = query["target"], !target.isEmpty {
            conditions.append("target = ?")
            values.append(target)
        }
        let body = try context.read { db in
            try PageWriter.write(db, sql: """
                SELECT id, actor_id, actor_name, actor_role, action, target, before_value, after_value, created_at FROM audit_log
                WHERE \(conditions.joined(separator: " AND ")) ORDER BY id DESC LIMIT ?
                """, values: values, limit: page.limit, capacity: 4096,
                cursor: { Cursor(kind: "audit", values: [String($0.int64(0))]) },
                item: AdminRoutes.writeAuditEntry)
        }
        return .response(.json(.ok, body))
    }

    static func writeAuditEntry(_ row: Row, into json: inout JSONWriter) {
        json.beginObject()
        json.key("id"); json.int(row.int64(0))
        json.key("actor")
        json.beginObject()
        json.key("id"); json.int(row.int64(1))
        json.key("name"); json.string(row.string(2))
        json.key("role"); json.string(row.string(3))
        json.endObject()
        json.key("action"); json.string(row.string(4))
        json.key("target"); json.string(row.string(5))
        json.key("before"); json.optionalString(row.optionalString(6))
        json.key("after"); json.optionalString(row.optionalString(7))
        json.key("at"); json.timestamp(row.int64(8))
        json.endObject()
    }

    func stats(_ request: Request) throws -> Reply {
        _ = try auth.staff(request, role: .moderator)
        let now = context.clock.nowMillis()
        let dayStart = now - ((now % 86_400_000) + 86_400_000) % 86_400_000
        let body = try context.read { db -> [UInt8] in
            var json = JSONWriter(capacity: 1024)
            json.beginObject()
            json.key("users"); json.int(try db.scalarInt("SELECT COUNT(*) FROM users") ?? 0)
            json.key("ideas")
            json.beginObject()
            var total: Int64 = 0
            var byStatus: [String: Int64] = [:]
            _ = try db.query("SELECT status, COUNT(*) FROM ideas GROUP BY status") { byStatus[$0.string(0)] = $0.int64(1) }
            for status in IdeaRoutes.statuses {
                json.key(dynamic: status); json.int(byStatus[status] ?? 0)
                total += byStatus[status] ?? 0
            }
            json.key("total"); json.int(total)
            json.key("hidden"); json.int(try db.scalarInt("SELECT COUNT(*) FROM ideas WHERE hidden = 1") ?? 0)
            json.endObject()
            json.key("votes")
            json.beginObject()
            let firstToday = try VoteTimeline.firstID(db, atOrAfter: dayStart)
            json.key("today"); json.int(try firstToday.map { try db.scalarInt("SELECT COUNT(*) FROM votes WHERE id >= ?", [$0]) ?? 0 } ?? 0)
            json.key("total"); json.int(try db.scalarInt("SELECT COUNT(*) FROM votes") ?? 0)
            json.endObject()
            json.key("open_flags"); json.int(try db.scalarInt("SELECT COUNT(*) FROM flags WHERE state = 'open'") ?? 0)
            json.key("current_round")
            let current = try db.scalarInt("""
                SELECT id FROM rounds WHERE closed_at IS NULL AND voting_closes_at > ? AND submissions_open_at <= ?
                ORDER BY voting_closes_at LIMIT 1
                """, [now, now])
            if let current, let round = try RoundStore.load(db, id: current) {
                round.write(into: &json, now: now, entryCount: try RoundStore.entryCount(db, roundID: current))
            } else {
                json.null()
            }
            json.endObject()
            return json.bytes
        }
        return .response(.json(.ok, body))
    }

    func user(_ request: Request) throws -> Reply {
        _ = try auth.staff(request, role: .moderator)
        let id = try context.pathID(request, what: "user")
        let body = try context.read { db in
            try db.queryOne("""
                SELECT id, name, email, created_at, banned_at,
                       (SELECT COUNT(*) FROM ideas WHERE author_id = users.id), (SELECT COUNT(*) FROM votes WHERE user_id = users.id)
                FROM users WHERE id = ?
                """, [id]) { row -> [UInt8] in
                var json = JSONWriter()
                json.beginObject()
                json.key("id"); json.int(row.int64(0))
                json.key("name"); json.string(row.string(1))
                json.key("email"); json.string(row.string(2))
                json.key("created_at"); json.timestamp(row.int64(3))
                json.key("banned"); json.bool(!row.isNull(4))
                json.key("ideas"); json.int(row.int64(5))
                json.key("votes"); json.int(row.int64(6))
                json.endObject()
                return json.bytes
            }
        }
        guard let body else { throw APIError.notFound("user") }
        return .response(Response.json(.ok, body).personal())
    }
}
