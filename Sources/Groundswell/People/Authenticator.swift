import HTTPServer
import SQLiteStore

/// Resolves `Authorization: Bearer TOKEN` to a customer by the token's hash.
public struct Authenticator: Sendable {
    let context: AppContext

    /// The bearer token of a request (`Bearer` in any case, one or more spaces, then the
    /// token), if it has a well-formed one.
    public static func bearerToken(_ request: Request) -> String? {
        guard let header = request.headers["authorization"] else { return nil }
        let bytes = header.utf8
        var index = bytes.startIndex
        while index < bytes.endIndex && bytes[index] == 0x20 { index = bytes.index(after: index) }
        for expected in "bearer".utf8 {
            guard index < bytes.endIndex, bytes[index] | 0x20 == expected else { return nil }
            index = bytes.index(after: index)
        }
        guard index < bytes.endIndex, bytes[index] == 0x20 else { return nil }
        let token = Substring(header.utf8[index...]).trimmingOWS()
        return token.isEmpty ? nil : token
    }

    /// The caller, or 401 `unauthorized` (403 `banned` for a banned account). A bearer token
    /// wins; without one, the browser session cookie, which on a state-changing request must
    /// come with its CSRF token in `X-CSRF-Token` (403 `csrf_failed`).
    public func user(_ request: Request) throws -> AuthenticatedUser {
        let account: AccountCache.Account
        if let known = request.app.account {
            account = known  // the rate limiter found the bearer token's account (only then is it set)
        } else {
            guard let token = Authenticator.bearerToken(request) else {
                guard let cookie = SessionCookie.value(request) else { throw APIError.unauthorized }
                return try sessionUser(request, cookie: cookie)
            }
            account = try self.account(token: token)
        }
        if account.banned { throw APIError.banned }
        return account.user
    }

    /// The account a bearer token belongs to, banned or not; 401 `unauthorized` if none.
    private func account(token: String) throws -> AccountCache.Account {
        let digest = Tokens.digest(token)
        let key = AccountCache.Key(digest)
        let (cached, generation) = context.accounts.lookup(key)
        if let cached { return cached }
        let found = try context.database.read { db in try UserStore.account(tokenHash: Array(digest), in: db) }
        guard let found else { throw APIError.unauthorized }
        context.accounts.store(key, found, generation: generation)
        return found
    }
}

extension Authenticator {
    /// Methods that change nothing; every other method needs the CSRF token with a cookie.
    static let safeMethods: Set<HTTPMethod> = [.get, .head, .options]

    /// The customer a request comes from, for rate limits: by bearer token or session cookie,
    /// before any CSRF check (the handler makes that). A bearer token's account is kept in the
    /// request's context (`app`) for the handler.
    func rateLimitAccount(_ request: Request, app: inout RequestContext) -> Int64? {
        if let token = Authenticator.bearerToken(request) {
            guard let account = try? account(token: token) else { return nil }
            app.account = account
            return account.banned ? nil : account.user.id  // a banned account: the handler answers 403
        }
        guard let cookie = SessionCookie.value(request) else { return nil }
        return try? sessionUser(request, cookie: cookie, checkCSRF: false).id
    }

    private func sessionUser(_ request: Request, cookie: String, checkCSRF: Bool = true) throws -> AuthenticatedUser {
        let now = context.clock.nowMillis()
        let hash = Tokens.hash(cookie)
        guard let session = try context.database.read({ db in try SessionStore.session(db, tokenHash: hash, now: now) }) else {
            throw APIError.unauthorized
        }
        if session.banned { throw APIError.banned }
        if checkCSRF && !Authenticator.safeMethods.contains(request.method) {
            guard Tokens.matches(request.headers["x-csrf-token"] ?? "", session.csrf) else {
                throw ErrorCode.csrfFailed.error("a signed-in browser request that changes something needs the session's CSRF token in X-CSRF-Token")
            }
        }
        if now - session.lastSeen >= SessionStore.seenResolution {
            let id = session.id
            context.database.writer.submit({ db in try SessionStore.touch(db, id: id, now: now) }) { _ in }
        }
        return AuthenticatedUser(id: session.userID, sessionID: session.id)
    }
}

extension Authenticator {
    /// Who is calling, as the idempotency store names callers: `user:ID` or `staff:ID` for a
    /// token that authenticates now, else `addr:HASH` (the keyed hash of the resolved client
    /// address). A revoked, unknown or banned token is never its account: its stored replays are
    /// out of reach, and the handler then refuses the request as it would without a key.
    func principal(_ request: Request) throws -> String {
        let address = { "addr:" + request.clientHash(context.client) }
        guard let token = Authenticator.bearerToken(request) else {
            if SessionCookie.value(request) != nil, let user = try? user(request) { return "user:\(user.id)" }
            return address()
        }
        if let user = try? user(request) { return "user:\(user.id)" }
        let hash = Tokens.hash(token)
        if let staff = try context.database.read({ db in try StaffStore.member(db, tokenHash: hash) }) {
            return "staff:\(staff.id)"
        }
        return address()
    }
}

extension Authenticator {
    /// The calling staff member with at least `role` (admins pass every check).
    /// No token → 401; a customer's or an unknown token → 403 / 401; too weak a role → 403.
    /// `checkCSRF: false` only for the gate in front of `/admin/`, which asks who is calling;
    /// every handler checks again with the token (API) or the form's field (console).
    public func staff(_ request: Request, role: StaffRole, checkCSRF: Bool = true) throws -> StaffMember {
        guard let token = Authenticator.bearerToken(request) else {
            // The console's session cookie; changes need its CSRF token (X-CSRF-Token).
            guard let session = try staffSession(request) else { throw APIError.unauthorized }
            if checkCSRF && !Authenticator.safeMethods.contains(request.method),
               !Tokens.matches(request.headers["x-csrf-token"] ?? "", session.csrf) {
                throw ErrorCode.csrfFailed.error("a signed-in console request that changes something needs the session's CSRF token")
            }
            if role == .admin && session.member.role != .admin { throw APIError.forbidden("this needs the admin role") }
            return session.member
        }
        let hash = Tokens.hash(token)
        let member = try context.database.read { db in try StaffStore.member(db, tokenHash: hash) }
        guard let member else {
            let isCustomer = try context.database.read { try UserStore.account(tokenHash: hash, in: $0) } != nil
            throw isCustomer ? APIError.forbidden("this endpoint is for staff") : APIError.unauthorized
        }
        if role == .admin && member.role != .admin { throw APIError.forbidden("this needs the admin role") }
        return member
    }

    /// The staff console session of the request's `gs_staff` cookie, if live.
    func staffSession(_ request: Request) throws -> StaffSessionStore.Session? {
        guard let cookie = request.cookie(StaffSessionStore.cookie) else { return nil }
        let now = context.clock.nowMillis()
        return try context.database.read { db in try StaffSessionStore.session(db, tokenHash: Tokens.hash(cookie), now: now) }
    }
}
