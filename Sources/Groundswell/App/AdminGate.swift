import HTTPServer
import Synchronization

/// The application's entry: everything under `/admin/` is for staff, whether or not the
/// path or method exists (no token → 401, a customer's or unknown token → 403 / 401, before
/// routing can answer 404 or 405 and reveal what is there); then the router; and any error
/// thrown on the way becomes a response through `APIError.response(for:)`. The console's
/// sign-in page is the one exception; a browser without a session is sent there.
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
        do {
            if (request.path.hasPrefix("/admin/") || request.path == "/admin") && request.path != "/admin/signin" {
                do {
                    _ = try auth.staff(request, role: .moderator, checkCSRF: false)
                } catch let error as HTTPError where error.status == .unauthorized && request.method == .get && request.prefersHTML {
                    // A browser without a staff session: the console's sign-in page, then back here.
                    var response = Response(status: .seeOther, contentType: nil)
                    response.headers.set("Location", "/admin/signin?next=" + WebPage.queryValue(request.target))
                    return .response(response)
                }
            }
            return try router.respond(to: &request)
        } catch let error as HTTPError where error.status == .notFound && request.method == .get && request.prefersHTML {
            // A browser asking for a page that does not exist gets a page saying so.
            let page = WebPage(request, viewer: WebViewer(userID: nil, name: nil, sessionID: nil, csrf: nil))
            return .response(page.failure(WebForm.Failure(ErrorCode.notFound.error("there is no page at this address"))))
        } catch {
            return .response(APIError.response(for: error, logger: context.logger, context: "\(request.method) \(request.route ?? request.path)"))
        }
    }
}
