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
        let token = parts[1].trimmingOWS()
        return token.isEmpty ? nil : token
    }

    /// The caller, or 401 `unauthorized`.
    public func user(_ request: Request) throws -> AuthenticatedUser {
        guard let token = Authenticator.bearerToken(request) else { throw APIError.unauthorized }
        let hash = Tokens.hash(token)
        let found = try context.database.read { db in
            try db.queryOne("SELECT id, name, banned_at IS NOT NULL FROM users WHERE token_hash = ?", [hash]) {
                (user: AuthenticatedUser(id: $0.int64(0), name: $0.string(1)), banned: $0.bool(2))
            }
        }
        guard let found else { throw APIError.unauthorized }
        if found.banned { throw APIError.banned }
        return found.user
    }
}


/// Staff roles: admins do everything; moderators moderate and move ideas through statuses.
public enum StaffRole: String, Sendable {
    case admin, moderator
}

/// A signed-in staff member.
public struct StaffMember: Sendable {
    public let id: Int64
    public let name: String
    public let role: StaffRole
}

extension Authenticator {
    /// The calling staff member with at least `role` (admins pass every check).
    /// No token → 401; a customer's or an unknown token → 403 / 401; too weak a role → 403.
    public func staff(_ request: Request, role: StaffRole) throws -> StaffMember {
        guard let token = Authenticator.bearerToken(request) else { throw APIError.unauthorized }
        let hash = Tokens.hash(token)
        let member = try context.database.read { db in
            try db.queryOne("SELECT id, name, role FROM staff WHERE token_hash = ? AND revoked_at IS NULL", [hash]) {
                StaffMember(id: $0.int64(0), name: $0.string(1), role: StaffRole(rawValue: $0.string(2)) ?? .moderator)
            }
        }
        guard let member else {
            let isCustomer = try context.database.read { try $0.scalarInt("SELECT 1 FROM users WHERE token_hash = ?", [hash]) } != nil
            throw isCustomer ? APIError.forbidden("this endpoint is for staff") : APIError.unauthorized
        }
        if role == .admin && member.role != .admin { throw APIError.forbidden("this needs the admin role") }
        return member
    }
}
