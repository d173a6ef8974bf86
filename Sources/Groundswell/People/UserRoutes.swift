import Foundation
import JSON
import HTTPServer
import SQLiteStore

/// Sign-up and the caller's own profile.
struct UserRoutes {
    let context: AppContext
    let auth: Authenticator

    func register(on router: Router) {
        router.post("/users") { request in try createUser(request) }
        router.get("/me") { request in try me(request) }
    }

    func createUser(_ request: Request) throws -> Reply {
        let body = try RequestBody(request)
        let name = try body.requiredString("name", length: 1...80)
        let email = try body.requiredString("email", length: 3...254)
        guard UserRoutes.isPlausibleEmail(email) else {
            throw APIError.invalid("email must be an email address like name@example.com")
        }
        let language = try UserRoutes.language(body) ?? UserRoutes.preferredLanguage(request.headers["accept-language"])
        let optIn = try body.bool("contact_opt_in") ?? false
        let token = Tokens.generate(prefix: "gsu_")
        let hash = Tokens.hash(token)
        let now = context.clock.nowMillis()
        let address = request.clientHash(context.client)
        return context.write(request) { db in
            let id = try UserStore.create(db, name: name, email: email, tokenHash: hash, at: now, addressHash: address)
            try UserStore.update(db, userID: id, name: nil, contactOptIn: optIn ? true : nil, autoFollow: nil,
                                 language: language == "en" ? nil : language)
            var json = JSONWriter()
            json.beginObject()
            json.key("id"); json.int(id)
            json.key("name"); json.string(name)
            json.key("token"); json.string(token)
            json.endObject()
            return Response.json(.created, json).secret()
        }
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
        var best: (String, Double)?
        for part in header.split(separator: ",") {
            let fields = part.split(separator: ";")
            let tag = fields[0].trimmingCharacters(in: .whitespaces).lowercased()
            let primary = tag.split(separator: "-").first.map(String.init) ?? tag
            guard primary == "ko" || primary == "en" else { continue }
            var q = 1.0
            for field in fields.dropFirst() {
                let pair = field.trimmingCharacters(in: .whitespaces)
                if pair.hasPrefix("q="), let value = Double(pair.dropFirst(2)) { q = value }
            }
            if q > 0, best == nil || q > best!.1 { best = (primary, q) }
        }
        return best?.0 ?? "en"
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
