import HTTPServer

/// Everything under `/admin/` is for staff, whether or not the path or method exists:
/// no token → 401, a customer's (or unknown) token → 403 / 401, before routing can
/// answer 404 or 405 and reveal what is there.
struct AdminGate: HTTPResponder {
    let router: Router
    let auth: Authenticator

    func respond(to request: inout Request) throws -> Reply {
        if request.path.hasPrefix("/admin/") || request.path == "/admin" {
            _ = try auth.staff(request, role: .moderator)
        }
        return try router.respond(to: &request)
    }
}
