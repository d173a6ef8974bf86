import HTTPServer
import Imaging
import JSON
import SQLiteStore
import Storage

/// Pictures on ideas (issue 18): `POST /ideas/{id}/media` (the idea's author; multipart with a
/// `file` part and an optional `alt`), `GET /ideas/{id}/media`, `DELETE /ideas/{id}/media/{media}`
/// (the author, or staff), `POST /media/{id}/flags`, and the files at `GET /media/{name}`.
struct MediaRoutes {
    let context: AppContext
    let auth: Authenticator

    func register(on router: Router) {
        router.post("/ideas/{id}/media") { request in try upload(request) }
        router.get("/ideas/{id}/media") { request in try list(request) }
        router.delete("/ideas/{id}/media/{media}") { request in try remove(request) }
        // One tree node with /media/{id}/flags: the parameter is the file name here.
        router.get("/media/{id}") { request in try serve(request) }
    }

    func upload(_ request: Request) throws -> Reply {
        let user = try auth.user(request)
        let id = try context.pathID(request, what: "idea")
        let boundary = try MediaUpload.boundary(request)
        let body = request.bodyFile
        let media = context.media
        let context = self.context
        let now = context.clock.nowMillis()
        return media.work.then({ () throws -> (MediaItem, [String]) in
            // Who and how much, before the costly decode.
            try context.read { db in try Self.check(db, ideaID: id, userID: user.id, adding: 0, quota: media.settings.quotaBytes) }
            let upload = try MediaUpload(body, boundary: boundary, limits: media.settings.imageLimits)
            let image = upload.image
            let size = Int64(image.bytes.count + image.rendition.count)
            try context.read { db in try Self.check(db, ideaID: id, userID: user.id, adding: size, quota: media.settings.quotaBytes) }
            let names: (file: String, rendition: String)
            do { names = try media.store(image) } catch {
                context.logger.error("storing a picture failed: \(error)")
                throw ErrorCode.insufficientStorage.error("the picture could not be stored; try again later")
            }
            let item = MediaItem(ideaID: id, userID: user.id, format: image.format, file: names.file, width: image.width,
                                 height: image.height, bytes: image.bytes.count, renditionFile: names.rendition,
                                 renditionWidth: image.renditionWidth, renditionHeight: image.renditionHeight,
                                 renditionBytes: image.rendition.count, alt: upload.alt, createdAt: now)
            return (item, [names.file, names.rendition])
        }, context: "an upload") { (item: MediaItem, names: [String]) -> Reply in
            let size = Int64(item.bytes + item.renditionBytes)
            return context.write(request) { db in
                try Self.check(db, ideaID: id, userID: user.id, adding: size, quota: media.settings.quotaBytes)
                var stored = item
                stored.id = try MediaStore.insert(db, item)
                db.afterCommit { _ in context.live.changed(.idea(id)) }
                var json = JSONWriter(capacity: 512)
                MediaStore.writeJSON(stored, into: &json)
                var response = Response.json(.created, json.bytes)
                response.headers.set("Location", "/media/\(stored.file)")
                return response
            }.map { response in
                media.release(names)
                return response
            }
        }
    }

    /// The idea is there and visible, the customer wrote it, it has room for one more picture,
    /// and the customer's quota has room for `adding` bytes.
    private static func check(_ db: SQLConnection, ideaID: Int64, userID: Int64, adding: Int64, quota: Int64) throws {
        guard let author = try CampaignStore.author(db, ideaID: ideaID) else { throw APIError.notFound("idea") }
        guard author == userID else { throw APIError.forbidden("only the idea's author adds pictures to it") }
        guard try MediaStore.count(db, ideaID: ideaID) < MediaStore.maxPerIdea else {
            throw APIError.invalid("an idea has at most \(MediaStore.maxPerIdea) pictures")
        }
        let used = try MediaStore.usedBytes(db, userID: userID)
        guard used + adding <= quota else {
            throw ErrorCode.mediaQuotaExceeded.error("your pictures take \(used) bytes of your \(quota); remove some to add more")
        }
    }

    func list(_ request: Request) throws -> Reply {
        let id = try context.pathID(request, what: "idea")
        let staff = request.headers["authorization"] != nil ? try? auth.staff(request, role: .moderator) : nil
        let body = try context.read { db -> [UInt8] in
            guard try CampaignStore.author(db, ideaID: id, includeHidden: staff != nil) != nil else { throw APIError.notFound("idea") }
            var json = JSONWriter(capacity: 1024)
            json.beginObject()
            json.key("items")
            MediaStore.writeJSON(try MediaStore.all(db, ideaID: id, includeHidden: staff != nil), into: &json, withHidden: staff != nil)
            json.endObject()
            return json.bytes
        }
        return .response(.json(.ok, body))
    }

    /// The author removes their picture; staff remove any (audited). The files go once no row uses them.
    func remove(_ request: Request) throws -> Reply {
        let id = try context.pathID(request, what: "idea")
        let mediaID = try context.pathID(request, "media", what: "picture")
        let userID = (try? auth.user(request))?.id
        let staff = userID == nil ? try auth.staff(request, role: .moderator) : nil
        let media = context.media
        let now = context.clock.nowMillis()
        return context.write(request) { db in
            guard let author = try CampaignStore.author(db, ideaID: id, includeHidden: staff != nil) else { throw APIError.notFound("idea") }
            if let userID, userID != author { throw APIError.forbidden("only the idea's author and staff remove its pictures") }
            guard let item = try MediaStore.find(db, id: mediaID), item.ideaID == id else { throw APIError.notFound("picture") }
            let orphans = try MediaStore.delete(db, [item])
            if let staff {
                try Audit.record(db, actor: staff, action: "media.remove", target: "media:\(mediaID)", before: "idea:\(id) \(item.file)",
                                 after: "removed", at: now)
            }
            let live = context.live
            db.afterCommit { _ in
                media.remove(orphans)
                live.changed(.idea(id))
            }
            return Response(status: .noContent, contentType: nil)
        }
    }

    /// A picture file: only while a visible picture uses it. Content-addressed, so cached for
    /// a year; `nosniff` and a sandboxing CSP, so no browser ever runs it as anything else.
    func serve(_ request: Request) throws -> Reply {
        guard let name = request.parameters["id"], MediaFiles.isValidName(name) else { throw APIError.notFound("picture") }
        guard let format = try context.read({ try MediaStore.servableFormat($0, file: name) }) else { throw APIError.notFound("picture") }
        let etag = "\"\(name.prefix(64))\""
        var response: Response
        if request.headers.values("if-none-match").contains(where: { $0.contains(etag) || $0 == "*" }) {
            response = Response(status: .notModified, contentType: nil)
        } else {
            guard let bytes = context.media.files.read(name) else { throw APIError.notFound("picture") }
            response = Response(status: .ok, contentType: format.mimeType)
            response.body = bytes
        }
        response.headers.set("ETag", etag)
        response.headers.set("Cache-Control", "public, max-age=31536000, immutable")
        response.headers.set("Content-Security-Policy", "default-src 'none'; sandbox")
        response.headers.set("Cross-Origin-Resource-Policy", "cross-origin")
        return .response(response)
    }
}
