import Foundation
import HTTPServer
import JSON
import SQLiteStore
import Storage

/// Accounts for people: a password for the account (`PUT /me/password`), signing in with email
/// and password into a browser session (`POST /sessions`, an `HttpOnly` cookie plus a CSRF token),
/// signing out, and the list of one's sessions. Argon2id runs on the password thread.
struct SessionRoutes {
    let context: AppContext
    let auth: Authenticator

    func register(on router: Router) {
        router.post("/sessions") { request in try signIn(request) }
        router.delete("/sessions/current") { request in try signOut(request) }
        router.get("/me/sessions") { request in try list(request) }
        router.delete("/me/sessions/{id}") { request in try revoke(request) }
        router.put("/me/password") { request in try setPassword(request) }
    }

    /// A password exactly as typed (no trimming or normalising: it is a secret, not text).
    static func password(_ body: RequestBody, _ field: String, required: Bool, checkLength: Bool) throws -> String? {
        guard let raw = body.value[field] else {
            if required { throw APIError.invalid("\(field) is required") }
            return nil
        }
        guard case .string(let text) = raw else { throw APIError.invalid("\(field) must be a string") }
        let count = text.unicodeScalars.count
        if checkLength {
            guard PasswordHasher.length.contains(count) else {
                throw APIError.invalid("\(field) must be \(PasswordHasher.length.lowerBound) to \(PasswordHasher.length.upperBound) characters long (got \(count))")
            }
            guard !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                throw APIError.invalid("\(field) must not contain control characters")
            }
        } else if count == 0 || count > 1024 {
            throw APIError.invalid("\(field) must be 1 to 1024 characters long")
        }
        return text
    }

    var secureCookies: Bool { !context.publicURL.lowercased().hasPrefix("http://") }

    func signIn(_ request: Request) throws -> Reply {
        let body = try RequestBody(request)
        let email = try body.requiredString("email", length: 3...254)
        let password = try Self.password(body, "password", required: true, checkLength: false)!
        let now = context.clock.nowMillis()
        let account = email.lowercased()
        let address = request.clientHash(context.client)
        let limiter = context.signInLimiter
        if let wait = limiter.wait(account: account, address: address, now: now) {
            let seconds = (wait + 999) / 1000
            throw ErrorCode.rateLimited.error("too many failed sign-ins; try again in \((seconds + 59) / 60) minute(s)",
                                             headers: HTTPHeaders([("Retry-After", String(seconds))]))
        }
        let credentials = try context.read { db in try SessionStore.credentials(db, email: email) }
        let userAgent = SessionRoutes.userAgent(request)
        let secure = secureCookies
        return context.passwordWork.then({
            // The same work whether or not the account exists or has a password.
            let valid = PasswordHasher.verify(password, hash: credentials?.passwordHash ?? PasswordHasher.decoy)
            return valid && credentials?.passwordHash != nil
        }, context: "a sign-in", next: { [context] valid in
            guard valid, let credentials else {
                limiter.failed(account: account, address: address, now: now)
                return .response(ErrorCode.invalidCredentials.error("the email or the password is not right").response)
            }
            if credentials.banned { return .response(APIError.banned.response) }
            limiter.succeeded(account: account)
            return context.write(request) { db in
                try SessionRoutes.open(db, userID: credentials.userID, userAgent: userAgent, now: now, secure: secure)
            }
        })
    }

    /// Opens a browser session: the row (the cookie's hash, a CSRF token, the device's
    /// user agent) and the `201` that says so, carrying the session cookie.
    static func open(_ db: SQLConnection, userID: Int64, userAgent: String, now: Int64, secure: Bool) throws -> Response {
        let token = Tokens.generate(prefix: "gss_")
        let csrf = Tokens.randomHex(bytes: 24)
        let id = try SessionStore.create(db, userID: userID, tokenHash: Tokens.hash(token), csrf: csrf, userAgent: userAgent, now: now)
        var json = JSONWriter(capacity: 256)
        json.beginObject()
        json.key("id"); json.int(id)
        json.key("user_id"); json.int(userID)
        json.key("csrf_token"); json.string(csrf)
        json.key("expires_at"); json.timestamp(now + SessionStore.lifetime)
        json.endObject()
        var response = Response.json(.created, json).secret()
        response.headers.add("Set-Cookie", SessionCookie.set(token, maxAge: SessionStore.lifetime / 1000, secure: secure))
        return response
    }

    /// The device's name for the session list: its user agent, printable and short.
    static func userAgent(_ request: Request) -> String {
        String((request.headers["user-agent"] ?? "").unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.prefix(200))
    }

    func signOut(_ request: Request) throws -> Reply {
        let user = try auth.user(request)
        let secure = secureCookies
        return context.write(request) { db in
            if let session = user.sessionID { _ = try SessionStore.revoke(db, userID: user.id, id: session) }
            var response = Response(status: .noContent, contentType: nil).personal()
            response.headers.add("Set-Cookie", SessionCookie.clear(secure: secure))
            return response
        }
    }

    func list(_ request: Request) throws -> Reply {
        let user = try auth.user(request)
        let now = context.clock.nowMillis()
        let body = try context.read { db in try SessionStore.list(db, userID: user.id, current: user.sessionID, now: now) }
        return .response(Response.json(.ok, body).personal())
    }

    func revoke(_ request: Request) throws -> Reply {
        let user = try auth.user(request)
        let id = try context.pathID(request, what: "session")
        return context.write(request) { db in
            guard try SessionStore.revoke(db, userID: user.id, id: id) else { throw APIError.notFound("session") }
            return Response(status: .noContent, contentType: nil).personal()
        }
    }

    /// Sets or changes the password. With the API token that is proof enough; from a browser
    /// session, the current password is needed too (when there is one). Other sessions end.
    func setPassword(_ request: Request) throws -> Reply {
        let user = try auth.user(request)
        let body = try RequestBody(request)
        let password = try Self.password(body, "password", required: true, checkLength: true)!
        let current = try Self.password(body, "current_password", required: false, checkLength: false)
        let existing = try context.read { db in try SessionStore.passwordHash(db, userID: user.id) }
        let needsCurrent = user.sessionID != nil && existing != nil
        if needsCurrent && current == nil { throw APIError.invalid("current_password is required to change the password from a browser session") }
        return context.passwordWork.then({ () -> String? in
            if needsCurrent, let existing, let current, !PasswordHasher.verify(current, hash: existing) { return nil }
            return PasswordHasher.hash(password) ?? ""
        }, context: "setting a password", next: { [context] hash in
            guard let hash else { return .response(ErrorCode.wrongPassword.error("current_password is not right").response) }
            guard !hash.isEmpty else { return .response(APIError.unexpected.response) }
            return context.write(request) { db in
                try SessionStore.setPassword(db, userID: user.id, hash: hash, keep: user.sessionID)
                return Response(status: .noContent, contentType: nil).personal()
            }
        })
    }
}
