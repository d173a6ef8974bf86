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

    func createStaff(_ request: Request) throws -> Reply {
        let admin = try auth.staff(request, role: .admin)
        let body = try RequestBody(request)
        let name = try body.requiredString("name", length: 1...80)
        let roleName = try body.requiredString("role", length: 1...20)
        guard let role = StaffRole(rawValue: roleName) else { throw APIError.invalid("role must be admin or moderator") }
        let token = Tokens.generate(prefix: role == .admin ? "gsa_" : "gsm_")
        let now = context.clock.nowMillis()
        return context.write(request) { db in
            let id = try StaffStore.create(db, name: name, role: role, tokenHash: Tokens.hash(token), at: now)
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
            try StaffStore.writeAll(db, into: &json)
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
            guard let member = try StaffStore.roleAndRevocation(db, id: id) else { throw APIError.notFound("staff member") }
            if member.revokedAt == nil {
                if member.role == "admin", try StaffStore.activeAdmins(db) <= 1 {
                    throw APIError.conflict(.lastAdmin, "the last admin cannot be revoked")
                }
                try StaffStore.revoke(db, id: id, at: now)
                try Audit.record(db, actor: admin, action: "staff.revoke", target: "staff:\(id)", before: "active", after: "revoked", at: now)
            }
            let body = try StaffStore.json(db, id: id)
            return .json(.ok, body ?? [])
        }
    }

    // MARK: categories

    func categories(_ request: Request) throws -> Reply {
        let body = try context.read { db in try Categories.listJSON(db) }
        return .response(.json(.ok, body))
    }

    func createCategory(_ request: Request) throws -> Reply {
        let admin = try auth.staff(request, role: .admin)
        let name = try Categories.validName(try RequestBody(request).requiredString("name", length: 1...40), field: "name")
        let now = context.clock.nowMillis()
        return context.write(request) { db in
            let id = try Categories.create(db, name: name, at: now)
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
            let name = try Categories.delete(db, id: id)
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
        let body = try context.read { db in try Audit.page(db, conditions: conditions, values: values, limit: page.limit) }
        return .response(.json(.ok, body))
    }

    func stats(_ request: Request) throws -> Reply {
        _ = try auth.staff(request, role: .moderator)
        let now = context.clock.nowMillis()
        let dayStart = now - ((now % 86_400_000) + 86_400_000) % 86_400_000
        // Counts every vote and idea (1.9 s at 20,000,000 votes): on the analytics thread, not an event loop.
        return context.staffReads.run("stats", context: "the operating figures") { [context] in
            .json(.ok, try context.read { db in try StatsStore.json(db, now: now, dayStart: dayStart) })
        }
    }

    func user(_ request: Request) throws -> Reply {
        _ = try auth.staff(request, role: .moderator)
        let id = try context.pathID(request, what: "user")
        let body = try context.read { db in try UserStore.staffViewJSON(db, userID: id) }
        guard let body else { throw APIError.notFound("user") }
        return .response(Response.json(.ok, body).personal())
    }
}
