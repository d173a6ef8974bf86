import HTTPServer
import JSON

/// Short links and the campaigns creators run for their own ideas (issue 18): `GET /i/{code}`
/// (`?c=label` for a campaign link) counts a browser's first visit and goes on to the idea;
/// `POST /ideas/{id}/campaigns` (the idea's author) makes a labelled link;
/// `GET /ideas/{id}/campaigns` (the author, or staff) lists each link's visits and votes.
struct CampaignRoutes {
    let context: AppContext
    let auth: Authenticator

    static let maxCampaigns: Int64 = 20

    func register(on router: Router) {
        router.get("/i/{code}") { request in try follow(request) }
        router.post("/ideas/{id}/campaigns") { request in try create(request) }
        router.get("/ideas/{id}/campaigns") { request in try list(request) }
    }

    /// A campaign label: 1 to 40 of a–z, 0–9, `-` and `_` (it goes into URLs as it is).
    static func validLabel(_ text: String) -> Bool {
        (1...40).contains(text.utf8.count) && text.utf8.allSatisfy {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_")
        }
    }

    private var secure: Bool { !context.publicURL.lowercased().hasPrefix("http://") }

    func follow(_ request: Request) throws -> Reply {
        guard let id = request.parameters["code"].flatMap(ShortCode.decode) else { throw APIError.notFound("link") }
        let now = context.clock.nowMillis()
        let requested = request.queryItems["c"].flatMap { CampaignRoutes.validLabel($0) ? $0 : nil } ?? ""
        let label = try context.read { db -> String? in
            guard try CampaignStore.author(db, ideaID: id) != nil else { return nil }
            // An unknown label counts as the plain link (people trim and edit URLs).
            if requested.isEmpty { return "" }
            return try CampaignStore.find(db, ideaID: id, label: requested) == nil ? "" : requested
        }
        guard let label else { throw APIError.notFound("idea") }
        var redirect = Response(status: .seeOther, contentType: nil)
        redirect.headers.set("Location", "/ideas/\(id)")
        redirect.headers.set("Cache-Control", "no-store")
        // A browser already brought here by a link within 7 days is not counted again.
        guard CampaignCookie.arrival(request, ideaID: id, now: now) == nil else { return .response(redirect) }
        let secure = secure
        return context.write { db in
            let campaign = try CampaignStore.visit(db, ideaID: id, label: label, now: now)
            var response = redirect
            response.headers.add("Set-Cookie", CampaignCookie.set(ideaID: id, campaignID: campaign, now: now, secure: secure))
            return response
        }
    }

    func create(_ request: Request) throws -> Reply {
        let user = try auth.user(request)
        let id = try context.pathID(request, what: "idea")
        let label = try RequestBody(request).requiredString("label", length: 1...40)
        guard CampaignRoutes.validLabel(label) else {
            throw APIError.invalid("label must be 1 to 40 of a-z, 0-9, - and _ (it becomes part of the link)")
        }
        let now = context.clock.nowMillis()
        let publicURL = context.publicURL
        return context.write(request) { db in
            guard let author = try CampaignStore.author(db, ideaID: id) else { throw APIError.notFound("idea") }
            guard author == user.id else { throw APIError.forbidden("only the idea's author makes its campaign links") }
            guard try CampaignStore.count(db, ideaID: id) < CampaignRoutes.maxCampaigns else {
                throw APIError.invalid("an idea has at most \(CampaignRoutes.maxCampaigns) campaign links")
            }
            guard let campaign = try CampaignStore.create(db, ideaID: id, label: label, now: now) else {
                throw ErrorCode.campaignExists.error("this idea already has a campaign link labelled \(label)")
            }
            let all = JSONValue.of(try CampaignStore.listJSON(db, ideaID: id, publicURL: publicURL))
            guard let item = all.items("items").first(where: { $0.int("id") == campaign }) else { throw APIError.unexpected }
            var bytes: [UInt8] = []
            item.writeCanonical(into: &bytes)
            return .json(.created, bytes)
        }
    }

    func list(_ request: Request) throws -> Reply {
        let id = try context.pathID(request, what: "idea")
        let userID = (try? auth.user(request))?.id
        if userID == nil { _ = try auth.staff(request, role: .moderator) }
        let publicURL = context.publicURL
        let body = try context.read { db -> [UInt8] in
            // Staff see the links of hidden ideas too; customers only of visible ones.
            guard let author = try CampaignStore.author(db, ideaID: id, includeHidden: userID == nil) else {
                throw APIError.notFound("idea")
            }
            if let userID, userID != author { throw APIError.forbidden("only the idea's author and staff see its campaign links") }
            return try CampaignStore.listJSON(db, ideaID: id, publicURL: publicURL)
        }
        return .response(Response.json(.ok, body).personal())
    }
}
