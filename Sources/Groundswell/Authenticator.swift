import HTTPServer
import SQLiteStore

/// A signed-in customer.
public struct AuthenticatedUser: Sendable {
    public let id: Int64
    public let name: String
}

/// Resolves `Authorization: Bearer TOKEN` to a customer by the token's hash.
public struct Authenticator: Sendable {
    let context: AppContext

    /// The bearer token of a request, if it has a well-formed one.
    public static func bearerToken(_ request: Request) -> String? {
        guard let header = request.headers["authorization"] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, String(parts[0]).caseInsensitiveEquals("bearer") else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    /// The caller, or 401 `unauthorized`.
    public func user(_ request: Request) throws -> AuthenticatedUser {
        guard let token = Authenticator.bearerToken(request) else { throw APIError.unauthorized }
        let hash = Tokens.hash(token)
        let found = try context.database.read { db in
            try db.queryOne("SELECT id, name FROM users WHERE token_hash = ?", [hash]) {
                AuthenticatedUser(id: $0.int64(0), name: $0.string(1))
            }
        }
        guard let user = found else { throw APIError.unauthorized }
        return user
    }
}

extension Substring {
    enum TrimSet { case whitespaces }
    func trimmingCharacters(in _: TrimSet) -> String {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
