import HTTPServer
import Synchronization

/// Everything under `/admin/` is for staff, whether or not the path or method exists:
/// no token → 401, a customer's (or unknown) token → 403 / 401, before routing can
/// answer 404 or 405 and reveal what is there.
struct AdminGate: HTTPResponder {
    let router: Router
    let auth: Authenticator
    let context: AppContext

    func respond(to request: inout Request) throws -> Reply {
        if !context.client.trustProxy, context.forwardedWarning.load(ordering: .relaxed) == false,
           request.headers["x-forwarded-for"] != nil,
           context.forwardedWarning.exchange(true, ordering: .relaxed) == false {
            context.logger.warning("a request carried X-Forwarded-For but --trust-proxy is off: every client behind that proxy shares the proxy's address (and its rate limits); start with --trust-proxy if the proxy is yours")
        }
        if request.path.hasPrefix("/admin/") || request.path == "/admin" {
            _ = try auth.staff(request, role: .moderator)
        }
        return try router.respond(to: &request)
    }
}
