import JSON
import HTTPServer
import SQLiteStore

/// The customer's control over their own data: see all of it, correct it, rotate the
/// token, or erase themselves (their ideas and comments stay, authored by "former member";
/// their votes stay, anonymous, so counts and awards remain true).
struct PersonalDataRoutes {
    let context: AppContext
    let auth: Authenticator
    static let formerMember = "former member"

    func register(on router: Router) {
        router.get("/me/data") { request in try export(request) }
        router.delete("/me") { request in try erase(request) }
        router.patch("/me") { request in try change(request) }
        router.post("/me/token") { request in try rotate(request) }
    }

    func export(_ request: Request) throws -> Reply {
        let user = try auth.user(request)
        let body = try context.read { db -> [UInt8] in
            var json = JSONWriter(capacity: 8192)
            json.beginObject()
            json.key("profile"); json.raw(try UserRoutes.profile(db, userID: user.id) ?? [])
            json.key("ideas")
            json.beginArray()
            _ = try db.query("SELECT \(IdeaJSON.columns), i.hidden \(IdeaJSON.from) WHERE i.author_id = ? ORDER BY i.id", [user.id]) {
                IdeaJSON.write($0, into: &json)
            }
            json.endArray()
            json.key("comments")
            json.beginArray()
            _ = try db.query("SELECT \(CommentJSON.columns), c.hidden \(CommentJSON.from) WHERE c.author_id = ? ORDER BY c.id", [user.id]) {
                CommentJSON.write($0, into: &json, hidden: $0.bool(6))
            }
            json.endArray()
            json.key("votes")
            json.beginArray()
            _ = try db.query("SELECT idea_id, round_id, created_at FROM votes WHERE user_id = ? ORDER BY id", [user.id]) { row in
                json.beginObject()
                json.key("idea_id"); json.int(row.int64(0))
                json.key("round_id"); if row.isNull(1) { json.null() } else { json.int(row.int64(1)) }
                json.key("voted_at"); json.timestamp(row.int64(2))
                json.endObject()
            }
            json.endArray()
            json.key("voided_votes")
            json.beginArray()
            _ = try db.query("SELECT idea_id, round_id, created_at, voided_at, reason FROM voided_votes WHERE user_id = ? ORDER BY id", [user.id]) { row in
                json.beginObject()
                json.key("idea_id"); json.int(row.int64(0))
                json.key("round_id"); if row.isNull(1) { json.null() } else { json.int(row.int64(1)) }
                json.key("voted_at"); json.timestamp(row.int64(2))
                json.key("voided_at"); json.timestamp(row.int64(3))
                json.key("reason"); json.string(row.string(4))
                json.endObject()
            }
            json.endArray()
            json.key("flags")
            json.beginArray()
            _ = try db.query("SELECT id, target_type, target_id, reason, state, resolution, created_at, resolved_at FROM flags WHERE user_id = ? ORDER BY id",
                             [user.id]) { FlagJSON.write($0, into: &json) }
            json.endArray()
            json.key("awards")
            json.beginArray()
            _ = try db.query("\(AwardJSON.select) WHERE i.author_id = ? ORDER BY a.id", [user.id]) { AwardJSON.write($0, into: &json) }
            json.endArray()
            json.key("follows")
            json.beginArray()
            try NotificationStore.writeFollows(db, userID: user.id, into: &json)
            json.endArray()
            json.key("notifications")
            json.beginArray()
            _ = try NotificationStore.page(db, userID: user.id, before: Int64.max, unreadOnly: false, limit: 100_000, into: &json)
            json.endArray()
            json.key("exported_at"); json.timestamp(context.clock.nowMillis())
            json.endObject()
            return json.bytes
        }
        return .response(Response.json(.ok, body).personal())
    }

    func erase(_ request: Request) throws -> Reply {
        let user = try auth.user(request)
        let revoked = Tokens.hash(Tokens.generate(prefix: "revoked_"))
        let now = context.clock.nowMillis()
        return context.write(request) { db in
            // Overwrite what this transaction deletes (not just unlink it), then fold the WAL
            // into the file and truncate it: no copy of the email or name is left in either.
            try db.execute("PRAGMA secure_delete = ON")
            db.afterCommit { db in
                try? db.execute("PRAGMA secure_delete = FAST")
                try? db.checkpoint()
            }
            try db.run("""
                UPDATE users SET name = ?, email = ?, email_norm = ?, token_hash = ?, contact_opt_in = 0,
                       signup_addr_hash = NULL, deleted_at = ?
                WHERE id = ?
                """, [PersonalDataRoutes.formerMember, "", "deleted:\(user.id)", revoked, now, user.id])
            try db.run("UPDATE votes SET addr_hash = NULL WHERE user_id = ?", [user.id])
            try IdempotencyRecord.forget(db, userID: user.id)
            try NotificationStore.forget(db, userID: user.id)
            return Response(status: .noContent, contentType: nil).personal()
        }
    }

    func change(_ request: Request) throws -> Reply {
        let user = try auth.user(request)
        let body = try RequestBody(request)
        let name = try body.string("name", length: 1...80, required: false)
        let optIn = try body.bool("contact_opt_in")
        let autoFollow = try body.bool("auto_follow")
        if name == nil && optIn == nil && autoFollow == nil {
            throw APIError.invalid("send name, contact_opt_in and/or auto_follow")
        }
        return context.write(request) { db in
            if let name { try db.run("UPDATE users SET name = ? WHERE id = ?", [name, user.id]) }
            if let optIn { try db.run("UPDATE users SET contact_opt_in = ? WHERE id = ?", [optIn, user.id]) }
            if let autoFollow { try db.run("UPDATE users SET auto_follow = ? WHERE id = ?", [autoFollow, user.id]) }
            return Response.json(.ok, try UserRoutes.profile(db, userID: user.id) ?? []).personal()
        }
    }

    func rotate(_ request: Request) throws -> Reply {
        let user = try auth.user(request)
        let token = Tokens.generate(prefix: "gsu_")
        return context.write(request) { db in
            try db.run("UPDATE users SET token_hash = ? WHERE id = ?", [Tokens.hash(token), user.id])
            var json = JSONWriter()
            json.beginObject()
            json.key("id"); json.int(user.id)
            json.key("token"); json.string(token)
            json.endObject()
            return Response.json(.ok, json).secret()
        }
    }
}
