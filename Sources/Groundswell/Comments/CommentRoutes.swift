import JSON
import HTTPServer
import SQLiteStore
import Storage

/// Discussion under an idea, listed oldest first.
struct CommentRoutes {
    let context: AppContext
    let auth: Authenticator

    func register(on router: Router) {
        router.post("/ideas/{id}/comments") { request in try create(request) }
        router.get("/ideas/{id}/comments") { request in try list(request) }
        router.post("/admin/ideas/{id}/comments") { request in try reply(request) }
    }

    func create(_ request: Request) throws -> Reply {
        let ideaID = try context.pathID(request, what: "idea")
        let user = try auth.user(request)
        let text = try RequestBody(request).requiredString("body", length: 1...5000, multiline: true)
        let now = context.clock.nowMillis()
        return context.write(request) { db in
            _ = try IdeaJSON.requireOpenForParticipation(db, id: ideaID)
            let id = try CommentStore.insert(db, ideaID: ideaID, authorID: user.id, body: text, at: now)
            return .json(.created, try announce(db, ideaID: ideaID, commentID: id, text: text, kind: .comment, except: user.id, now: now))
        }
    }

    /// A reply from staff, shown as the company's (`official`); everyone who follows the idea,
    /// its author included, is told (`staff_reply`). Allowed on any idea staff can see, closed ones too.
    func reply(_ request: Request) throws -> Reply {
        let staff = try auth.staff(request, role: .moderator)
        let ideaID = try context.pathID(request, what: "idea")
        let text = try RequestBody(request).requiredString("body", length: 1...5000, multiline: true)
        let now = context.clock.nowMillis()
        return context.write(request) { db in
            guard try IdeaJSON.exists(db, id: ideaID) else { throw APIError.notFound("idea") }
            let id = try CommentStore.insertOfficial(db, ideaID: ideaID, staffID: staff.id, body: text, at: now)
            try Audit.record(db, actor: staff, action: "comment.reply", target: "idea:\(ideaID)", before: nil, after: "comment:\(id)", at: now)
            return .json(.created, try announce(db, ideaID: ideaID, commentID: id, text: text, kind: .staffReply, except: nil, now: now))
        }
    }

    /// Tells the idea's followers (but not `except`, who wrote it) and the webhooks about a new
    /// comment, marks the idea's live stream, and returns the comment's JSON.
    private func announce(_ db: SQLConnection, ideaID: Int64, commentID id: Int64, text: String, kind: NotificationStore.Kind,
                          except: Int64?, now: Int64) throws -> [UInt8] {
        var payload = JSONWriter(capacity: 256)
        payload.beginObject()
        payload.key("idea_id"); payload.int(ideaID)
        payload.key("idea_title"); payload.string(try NotificationStore.title(db, ideaID: ideaID))
        payload.key("comment_id"); payload.int(id)
        payload.key("author_name"); payload.string(try CommentStore.authorName(db, commentID: id))
        payload.key("excerpt"); payload.string(String(text.unicodeScalars.prefix(140)))
        payload.endObject()
        try NotificationStore.notifyFollowers(db, ideaID: ideaID, kind: kind, payload: payload, except: except, now: now)
        let comment = try CommentStore.json(db, id: id) ?? []
        try EventOutbox.emit(db, .commentCreated, now: now) { json in
            json.beginObject()
            json.key("comment"); json.raw(comment)
            json.key("idea"); try EventOutbox.writeIdea(db, id: ideaID, into: &json)
            json.endObject()
        }
        let live = context.live
        db.afterCommit { _ in live.changed(.idea(ideaID)) }
        return comment
    }

    func list(_ request: Request) throws -> Reply {
        let ideaID = try context.pathID(request, what: "idea")
        let page = try PageRequest(request.queryItems)
        let after = try page.cursor.map { try Cursor.decode($0, kind: "comments", count: 1).int(0) } ?? 0
        let body = try context.read { db -> [UInt8] in
            guard try IdeaJSON.exists(db, id: ideaID) else { throw APIError.notFound("idea") }
            return try CommentStore.page(db, ideaID: ideaID, after: after, limit: page.limit)
        }
        return .response(.json(.ok, body))
    }
}
