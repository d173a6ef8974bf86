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
            try UserStore.writeExport(db, userID: user.id, into: &json)
            json.key("sessions"); json.raw(try SessionStore.list(db, userID: user.id, current: user.sessionID, now: context.clock.nowMillis()))
            json.key("media"); MediaStore.writeJSON(try MediaStore.byUser(db, userID: user.id), into: &json, withHidden: true)
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
        let media = context.media
        return context.write(request) { db in
            // Their pictures go entirely (photos are personal data; the ideas' text stays).
            let orphans = try MediaStore.delete(db, try MediaStore.byUser(db, userID: user.id))
            db.afterCommit { _ in media.remove(orphans) }
            try UserStore.erase(db, userID: user.id, formerName: PersonalDataRoutes.formerMember, revokedTokenHash: revoked, at: now)
            try IdempotencyRecord.forget(db, userID: user.id)
            try NotificationStore.forget(db, userID: user.id)
            try SessionStore.revokeAll(db, userID: user.id)
            return Response(status: .noContent, contentType: nil).personal()
        }
    }

    func change(_ request: Request) throws -> Reply {
        let user = try auth.user(request)
        let body = try RequestBody(request)
        let name = try body.string("name", length: 1...80, required: false)
        let optIn = try body.bool("contact_opt_in")
        let autoFollow = try body.bool("auto_follow")
        let language = try UserRoutes.language(body)
        let email = try body.value["email_preferences"].map(EmailPreferences.parse)
        if name == nil && optIn == nil && autoFollow == nil && language == nil && email == nil {
            throw APIError.invalid("send name, contact_opt_in, auto_follow, language and/or email_preferences")
        }
        return context.write(request) { db in
            try UserStore.update(db, userID: user.id, name: name, contactOptIn: optIn, autoFollow: autoFollow, language: language)
            if let email { try EmailPreferences.set(db, userID: user.id, modes: email) }
            return Response.json(.ok, try UserStore.profile(db, userID: user.id) ?? []).personal()
        }
    }

    func rotate(_ request: Request) throws -> Reply {
        let user = try auth.user(request)
        let token = Tokens.generate(prefix: "gsu_")
        return context.write(request) { db in
            try UserStore.replaceToken(db, userID: user.id, tokenHash: Tokens.hash(token))
            try SessionStore.revokeAll(db, userID: user.id)
            var json = JSONWriter()
            json.beginObject()
            json.key("id"); json.int(user.id)
            json.key("token"); json.string(token)
            json.endObject()
            return Response.json(.ok, json).secret()
        }
    }
}
