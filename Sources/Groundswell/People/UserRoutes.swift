import Foundation
import JSON
import HTTPServer
import SQLiteStore
import Storage

/// Sign-up and the caller's own profile.
struct UserRoutes {
    let context: AppContext
    let auth: Authenticator

    func register(on router: Router) {
        router.post("/users") { request in try createUser(request) }
        router.get("/me") { request in try me(request) }
    }

    /// A sign-up as the API and the web's sign-up form take it.
    struct NewAccount: Sendable {
        let name: String
        let email: String
        let language: String
        let contactOptIn: Bool
        /// A password to sign in with (optional: API customers may use their token alone).
        let password: String?

        init(_ body: RequestBody, _ request: Request) throws {
            name = try body.requiredString("name", length: 1...80)
            email = try body.requiredString("email", length: 3...254)
            guard UserRoutes.isPlausibleEmail(email) else {
                throw APIError.invalid("email must be an email address like name@example.com")
            }
            language = try UserRoutes.language(body) ?? UserRoutes.preferredLanguage(request.headers["accept-language"])
            contactOptIn = try body.bool("contact_opt_in") ?? false
            password = try SessionRoutes.password(body, "password", required: false, checkLength: true)
        }

        /// Creates the account (409 `email_taken` if the email has one), with its password hash.
        func insert(_ db: SQLConnection, tokenHash: [UInt8], passwordHash: String?, at now: Int64, addressHash: String) throws -> Int64 {
            let id = try UserStore.create(db, name: name, email: email, tokenHash: tokenHash, at: now, addressHash: addressHash)
            try UserStore.update(db, userID: id, name: nil, contactOptIn: contactOptIn ? true : nil, autoFollow: nil,
                                 language: language == "en" ? nil : language)
            if let passwordHash { try SessionStore.setPassword(db, userID: id, hash: passwordHash, keep: nil) }
            return id
        }
    }

    /// Signs up; with a `password` the account can also sign in on the web (hashed first, on
    /// the password thread).
    func createUser(_ request: Request) throws -> Reply {
        let account = try NewAccount(try RequestBody(request), request)
        let token = Tokens.generate(prefix: "gsu_")
        return UserRoutes.create(account, request: request, context: context, tokenHash: Tokens.hash(token),
                                 now: context.clock.nowMillis()) { _, id in
            var json = JSONWriter()
            json.beginObject()
            json.key("id"); json.int(id)
            json.key("name"); json.string(account.name)
            json.key("token"); json.string(token)
            json.endObject()
            return Response.json(.created, json).secret()
        }
    }

    /// Creates `account` — its password hashed first, on the password thread, when it has one —
    /// and answers with `respond(db, id)` in the same write (the API's sign-up, the web's too).
    static func create(_ account: NewAccount, request: Request, context: AppContext, tokenHash: [UInt8], now: Int64,
                       respond: @escaping @Sendable (SQLConnection, Int64) throws -> Response) -> Reply {
        let address = request.clientHash(context.client)
        let write = { @Sendable (passwordHash: String?) -> Reply in
            context.write(request) { db in
                try respond(db, try account.insert(db, tokenHash: tokenHash, passwordHash: passwordHash, at: now, addressHash: address))
            }
        }
        guard let password = account.password else { return write(nil) }
        return context.passwordWork.then({ PasswordHasher.hash(password) }, context: "a sign-up", next: { hash in
            guard let hash else { return .response(APIError.unexpected.response) }
            return write(hash)
        })
    }

    /// The `language` field: en or ko.
    static func language(_ body: RequestBody) throws -> String? {
        guard let language = try body.string("language", length: 2...2, required: false) else { return nil }
        guard WebLanguage(rawValue: language) != nil else { throw APIError.invalid("language must be en or ko") }
        return language
    }

    /// Korean when the client's first language of ours in Accept-Language is Korean.
    static func preferredLanguage(_ header: String?) -> String {
        guard let header else { return "en" }
        var best: (language: String, q: Double)?
        Request.forEachElement(header) { tag, q in
            // The primary subtag: "ko" of "ko-KR".
            var length = 0
            while length < tag.count && tag[length] != UInt8(ascii: "-") { length += 1 }
            let primary = UnsafeBufferPointer(rebasing: tag[0..<length])
            let language = Request.equalsIgnoringCase(primary, "ko") ? "ko" : Request.equalsIgnoringCase(primary, "en") ? "en" : nil
            guard let language, q > 0, best == nil || q > best!.q else { return }
            best = (language, q)
        }
        return best?.language ?? "en"
    }

    func me(_ request: Request) throws -> Reply {
        let user = try auth.user(request)
        let body = try context.read { db in
            try UserStore.profile(db, userID: user.id)
        }
        guard let body else { throw APIError.unauthorized }
        return .response(Response.json(.ok, body).personal())
    }

    /// local@domain with no spaces, one "@", and a dot-free-or-not domain of valid labels.
    static func isPlausibleEmail(_ email: String) -> Bool {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, parts[0].utf8.count <= 64 else { return false }
        if email.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 }) { return false }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { !$0.isEmpty && !$0.hasPrefix("-") && !$0.hasSuffix("-") }
    }
}
