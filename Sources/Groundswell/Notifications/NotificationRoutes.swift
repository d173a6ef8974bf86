import HTTPServer
import JSON
import SQLiteStore

/// Following ideas and reading notifications: `POST/DELETE /ideas/{id}/follow`,
/// `GET /me/notifications`, `POST /me/notifications/read`.
struct NotificationRoutes {
    let context: AppContext
    let auth: Authenticator

    func register(on router: Router) {
        router.post("/ideas/{id}/follow") { request in try follow(request, following: true) }
        router.delete("/ideas/{id}/follow") { request in try follow(request, following: false) }
        router.get("/me/notifications") { request in try list(request) }
        router.post("/me/notifications/read") { request in try markRead(request) }
    }

    /// Follows, or stops following (which also silences the implicit reasons: authorship, a vote,
    /// a comment). `200 {"idea_id", "following"}`; idempotent.
    func follow(_ request: Request, following: Bool) throws -> Reply {
        let user = try auth.user(request)
        let ideaID = try context.pathID(request, what: "idea")
        let now = context.clock.nowMillis()
        return context.write(request) { db in
            guard try IdeaJSON.exists(db, id: ideaID) else { throw APIError.notFound("idea") }
            try NotificationStore.setFollowing(db, userID: user.id, ideaID: ideaID, following: following, now: now)
            var json = JSONWriter(capacity: 48)
            json.beginObject()
            json.key("idea_id"); json.int(ideaID)
            json.key("following"); json.bool(following)
            json.endObject()
            return .json(.ok, json)
        }
    }

    /// `?limit=&cursor=&unread=true` → `{"items":[…],"next_cursor","unread_count"}`, newest first.
    func list(_ request: Request) throws -> Reply {
        let user = try auth.user(request)
        let query = request.queryItems
        let page = try PageRequest(query)
        let unreadOnly: Bool
        switch query["unread"] ?? "" {
        case "", "false": unreadOnly = false
        case "true": unreadOnly = true
        default: throw APIError.invalid("unread must be true or false")
        }
        let before = try page.cursor.map { try Cursor.decode($0, kind: "notifications", count: 1).int(0) } ?? Int64.max
        let body = try context.read { db -> [UInt8] in
            var json = JSONWriter(capacity: 2048)
            json.beginObject()
            json.key("items")
            json.beginArray()
            let next = try NotificationStore.page(db, userID: user.id, before: before, unreadOnly: unreadOnly, limit: page.limit, into: &json)
            json.endArray()
            json.key("next_cursor")
            json.optionalString(next.map { Cursor(kind: "notifications", values: [String($0)]).encoded })
            json.key("unread_count"); json.int(try NotificationStore.unreadCount(db, userID: user.id))
            json.endObject()
            return json.bytes
        }
        return .response(Response.json(.ok, body).personal())
    }

    /// `{"ids":[…]}` or `{"all":true}` → `{"unread_count"}`.
    func markRead(_ request: Request) throws -> Reply {
        let user = try auth.user(request)
        let body = try RequestBody(request)
        var ids: [Int64]?
        if case .array(let items)? = body.value["ids"] {
            guard items.count <= 1000 else { throw APIError.invalid("ids may list at most 1000 notifications") }
            ids = try items.map { item in
                guard case .number(let text) = item, let id = Int64(text), id > 0 else {
                    throw APIError.invalid("ids must hold positive integers")
                }
                return id
            }
        } else if body.has("ids") {
            throw APIError.invalid("ids must be an array of notification ids")
        }
        let all = try body.bool("all") ?? false
        guard (ids != nil) != all else { throw APIError.invalid("send ids (an array) or all: true") }
        let now = context.clock.nowMillis()
        return context.write(request) { db in
            let unread = try NotificationStore.markRead(db, userID: user.id, ids: ids, now: now)
            var json = JSONWriter(capacity: 32)
            json.beginObject()
            json.key("unread_count"); json.int(unread)
            json.endObject()
            return .json(.ok, json)
        }
    }
}
