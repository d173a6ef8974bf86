import HTTPServer
import JSON
import Rules

/// Videos and links on ideas (issue 18): `GET /ideas/{id}/links` (public), `POST` (the idea's
/// author, `{"url"}`: a YouTube or Vimeo video, or any http(s) link; at most 5), `DELETE
/// /ideas/{id}/links/{link}` (the author, or staff).
struct IdeaLinkRoutes {
    let context: AppContext
    let auth: Authenticator

    func register(on router: Router) {
        router.get("/ideas/{id}/links") { request in try list(request) }
        router.post("/ideas/{id}/links") { request in try add(request) }
        router.delete("/ideas/{id}/links/{link}") { request in try remove(request) }
    }

    func list(_ request: Request) throws -> Reply {
        let id = try context.pathID(request, what: "idea")
        let body = try context.read { db -> [UInt8] in
            guard try CampaignStore.author(db, ideaID: id) != nil else { throw APIError.notFound("idea") }
            var json = JSONWriter(capacity: 512)
            json.beginObject()
            json.key("items"); IdeaLinkStore.writeJSON(try IdeaLinkStore.all(db, ideaID: id), into: &json)
            json.endObject()
            return json.bytes
        }
        return .response(.json(.ok, body))
    }

    func add(_ request: Request) throws -> Reply {
        let user = try auth.user(request)
        let id = try context.pathID(request, what: "idea")
        let text = try RequestBody(request).requiredString("url", length: 1...500)
        guard let link = AttachedLink(text) else {
            throw APIError.invalid("url must be an http or https address (YouTube and Vimeo videos are embedded on request)")
        }
        let now = context.clock.nowMillis()
        return context.write(request) { db in
            guard let author = try CampaignStore.author(db, ideaID: id) else { throw APIError.notFound("idea") }
            guard author == user.id else { throw APIError.forbidden("only the idea's author attaches videos and links") }
            guard try IdeaLinkStore.count(db, ideaID: id) < IdeaLinkStore.maxPerIdea else {
                throw APIError.invalid("an idea has at most \(IdeaLinkStore.maxPerIdea) videos and links")
            }
            let linkID = try IdeaLinkStore.add(db, ideaID: id, link: link, now: now)
                ?? IdeaLinkStore.all(db, ideaID: id).first { $0.link == link }?.id ?? 0
            var json = JSONWriter(capacity: 256)
            IdeaLinkStore.writeJSON([(linkID, link)], into: &json)
            let item = JSONValue.of(json.bytes)
            var bytes: [UInt8] = []
            if case .array(let items) = item, let first = items.first { first.writeCanonical(into: &bytes) }
            db.afterCommit { _ in context.live.changed(.idea(id)) }
            return .json(.created, bytes)
        }
    }

    func remove(_ request: Request) throws -> Reply {
        let id = try context.pathID(request, what: "idea")
        let linkID = try context.pathID(request, "link", what: "link")
        let userID = (try? auth.user(request))?.id
        if userID == nil { _ = try auth.staff(request, role: .moderator) }
        return context.write(request) { db in
            guard let author = try CampaignStore.author(db, ideaID: id, includeHidden: userID == nil) else { throw APIError.notFound("idea") }
            if let userID, userID != author { throw APIError.forbidden("only the idea's author and staff remove its videos and links") }
            guard try IdeaLinkStore.remove(db, ideaID: id, id: linkID) else { throw APIError.notFound("link") }
            return Response(status: .noContent, contentType: nil)
        }
    }
}
