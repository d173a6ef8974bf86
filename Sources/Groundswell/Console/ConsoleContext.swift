import HTTPServer

/// The API handlers the console's forms and pages go through (called in-process, as the
/// customer site's forms do).
struct ConsoleAPI: Sendable {
    let moderation: ModerationRoutes
    let comments: CommentRoutes
    let rounds: RoundRoutes
    let admin: AdminRoutes
    let fraud: FraudRoutes
    let webhooks: WebhookRoutes
    let media: MediaRoutes
}

/// What every console page needs: the signed-in staff member (a `gs_staff` session), their
/// role, the page frame with the console's navigation, and the form bridge.
struct ConsoleContext: Sendable {
    let web: WebContext
    let auth: Authenticator
    let api: ConsoleAPI

    var app: AppContext { web.app }

    /// The session, or nil (the gate already sent browsers without one to the sign-in page;
    /// a bearer token alone does not open the console).
    private func session(_ request: Request) throws -> StaffSessionStore.Session? { try auth.staffSession(request) }

    private func webPage(_ request: Request, _ session: StaffSessionStore.Session) -> WebPage {
        WebPage(request, viewer: WebViewer(userID: nil, name: session.member.name, sessionID: nil, csrf: session.csrf), staff: session.member)
    }

    /// A console page; `role: .admin` pages answer 403 (as a page) to moderators.
    func page(_ request: Request, role: StaffRole = .moderator,
              _ build: (WebPage, StaffMember) throws -> Reply) throws -> Reply {
        guard let session = try session(request) else {
            return .response(WebForm.redirect("/admin/signin?next=" + WebPage.queryValue(request.target)))
        }
        let page = webPage(request, session)
        if role == .admin && session.member.role != .admin {
            return .response(page.failure(WebForm.Failure(APIError.forbidden(page.t(.needsAdmin))), back: "/admin"))
        }
        do {
            return try build(page, session.member)
        } catch let error as HTTPError {
            return .response(page.failure(WebForm.Failure(error), back: "/admin"))
        }
    }

    /// A console form: its CSRF field checked against the session, then `handle`d.
    func form(_ request: Request, back: String, _ handle: (WebPage, WebForm, StaffMember) throws -> Reply) throws -> Reply {
        guard let session = try session(request) else {
            return .response(WebForm.redirect("/admin/signin?next=" + WebPage.queryValue(back)))
        }
        let page = webPage(request, session)
        do {
            return try handle(page, try WebForm(request, viewer: page.viewer), session.member)
        } catch let error as HTTPError {
            return .response(page.failure(WebForm.Failure(error), back: back))
        }
    }

    /// Calls an API handler with the form and goes back to `back` with "Done." — or shows the
    /// refusal with its status and code.
    func submit(_ form: WebForm, _ handler: @escaping Handler, request: Request, page: WebPage, method: HTTPMethod = .post,
                parameters: [(String, String)] = [], body: [UInt8]?, back: String,
                success: (@Sendable (Response) -> Response)? = nil) -> Reply {
        let reply = form.call(handler, from: request, method: method, parameters: parameters, body: body, context: app)
        return web.outcome(reply, page: page, back: back, success: success ?? { _ in WebForm.redirect(back, notice: .done) })
    }

    /// A GET of the API answered in-process, rendered when it arrives.
    func read(_ handler: Handler, _ request: Request, target: String, parameters: [(String, String)] = [],
              page: WebPage, render: @escaping @Sendable (JSONValueBox) -> Response) throws -> Reply {
        let reply: Reply
        do { reply = try handler(request.inProcess(target: target, parameters: parameters)) } catch let error as HTTPError { return .response(page.failure(WebForm.Failure(error), back: "/admin")) }
        return reply.map { response in
            if let failure = WebForm.failure(response) { return page.failure(failure, back: "/admin") }
            return render(JSONValueBox(.of(response.body)))
        }
    }
}

import JSON

/// A parsed API answer handed to a page renderer.
struct JSONValueBox: Sendable {
    let value: JSONValue
    init(_ value: JSONValue) { self.value = value }
}
