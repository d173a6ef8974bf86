import HTTPServer

/// The API handlers the pages post their forms to (called in-process through `WebForm`).
struct WebAPI: Sendable {
    let ideas: IdeaRoutes
    let votes: VoteRoutes
    let comments: CommentRoutes
    let rounds: RoundRoutes
    let sessions: SessionRoutes
    let users: UserRoutes
    let personal: PersonalDataRoutes
    let notifications: NotificationRoutes
    let campaigns: CampaignRoutes
    let links: IdeaLinkRoutes
    let media: MediaRoutes
}

/// What every page handler needs: the application, the API's handlers, and the two ways a
/// web request is answered — a page, or a form that redirects — with any refusal turned into
/// an HTML page carrying the API's status and stable code.
struct WebContext: Sendable {
    let app: AppContext
    let api: WebAPI

    /// A page for whoever is looking. A refusal (a missing idea…) is an HTML page with its
    /// status. Pages for readers who are not signed in (and have no notice waiting) are kept
    /// in `webPageCache` until the next commit, per URL, language and compression. Every page
    /// view is counted for engagement (`ReaderLog`), cached or not.
    /// `cacheable: false` for pages with a visitor's own form token (sign in, sign up).
    /// A kept page is answered on the event loop; any other is rendered on `pageRenders`.
    func page(_ request: Request, cacheable: Bool = true,
              _ build: @escaping @Sendable (WebPage) throws -> Response) throws -> Reply {
        try shapedPage(request, cacheable: cacheable) { page in Rendered(try build(page)) }
    }

    /// A rendered page with what keeps it: its `shape`, the ideas it shows when nothing else that
    /// commits can change it (`IdeaPageTables`), which keeps it past commits that changed other
    /// ideas' counts alone, and a clock time when it may read differently without a commit (a
    /// round's voting opening or closing), after which it is rendered again.
    struct Rendered {
        let response: Response
        let shape: ListingChanges.Shape?
        let expires: Int64?

        init(_ response: Response, shape: ListingChanges.Shape? = nil, expires: Int64? = nil) {
            self.response = response
            self.shape = shape
            self.expires = expires
        }
    }

    /// `page` for a handler that tells what keeps its page (`Rendered`). A page that may be kept
    /// is rendered once at a time (`rendered`).
    func shapedPage(_ request: Request, cacheable: Bool = true,
                    _ build: @escaping @Sendable (WebPage) throws -> Rendered) throws -> Reply {
        let (key, generation, kept) = lookUp(request, cacheable: cacheable)
        if let kept { return .response(kept) }
        return rendered(request, key: key, generation: generation) { [self] generation in
            render(request, key: key, generation: generation, build)
        }
    }

    /// Answers a page that `webPageCache` did not have with `render` (given the commit count to
    /// read at), one at a time per `key` (`RendersInFlight`): a request that misses while the page
    /// renders is answered with that render's page when it is new enough for it. `arrival`: the
    /// commit count read when the request came (`generation` unless it has waited before).
    func rendered(_ request: Request, key: String?, generation: UInt64, arrival: UInt64? = nil,
                  _ render: @escaping @Sendable (UInt64) -> Reply) -> Reply {
        guard let key else { return render(generation) }
        let waited = ResponsePromise()
        let leads = app.rendersInFlight.lead(key, generation: generation, arrival: arrival ?? generation, served: { [self] page in
            guard let page else {
                // Nothing kept (a refusal, a page too large): its own render.
                return render(app.database.writer.commitCount).whenComplete { waited.succeed($0) }
            }
            recordView(request, userID: nil, scopes: page.readScopes)
            waited.succeed(WebPage.revalidate(request, page.response))
        }, retry: { [self] in
            // Any render that starts from here on reads at `arrival` or later.
            let now = app.database.writer.commitCount
            if let kept = keptPage(request, key: key, generation: now) { return waited.succeed(kept) }
            rendered(request, key: key, generation: now, arrival: arrival ?? generation, render).whenComplete { waited.succeed($0) }
        })
        guard leads else { return .promise(waited) }
        let reply = render(generation)
        reply.whenComplete { [app] _ in app.rendersInFlight.finished(key) }
        return reply
    }

    /// A page built from an API handler's reply (the search page's list, a round with its live
    /// numbers) for `page`, whose kept copy under `key` (read at `generation`) was missed: `call`
    /// asks the API and `build` renders its success, once at a time per page (`rendered`), on the
    /// thread the reply completes on — with `offLoop`, both run on a page thread. A refusal, thrown
    /// or answered, is an HTML page with its status and a link `back`; `countRefusals`: an answered
    /// refusal counts as a page view. `what` names the page in the log.
    func apiPage(_ request: Request, page: WebPage, key: String?, generation: UInt64, back: String, what: String,
                 offLoop: Bool = false, countRefusals: Bool = false, _ call: @escaping @Sendable () throws -> Reply,
                 _ build: @escaping @Sendable (Response) -> Rendered) -> Reply {
        rendered(request, key: key, generation: generation) { [self] generation in
            let answer: @Sendable () -> Reply = { [self] in
                let reply: Reply
                do {
                    reply = try call()
                } catch let error as HTTPError {
                    return .response(page.failure(WebForm.Failure(error), back: back))
                } catch {
                    return .response(APIError.response(for: error, logger: app.logger, context: what))
                }
                return reply.map { [self] response in
                    if let failure = WebForm.failure(response) {
                        if countRefusals { recordView(request, userID: page.viewer.userID, scopes: []) }
                        return page.failure(failure, back: back)
                    }
                    let rendered = build(response)
                    return finish(request, rendered.response, userID: page.viewer.userID, key: key, generation: generation,
                                  shape: rendered.shape, expires: rendered.expires)
                }
            }
            return offLoop ? app.pageRenders.submit(context: what, replying: answer) : answer()
        }
    }

    /// Renders the page on `pageRenders` and keeps it under `key` (read at commit count `generation`).
    private func render(_ request: Request, key: String?, generation: UInt64,
                        _ build: @escaping @Sendable (WebPage) throws -> Rendered) -> Reply {
        app.pageRenders.submit(context: "a page") { [self] in
            let page = WebPage(request, viewer: try WebViewer.of(request, context: app))
            let rendered: Rendered
            do {
                rendered = try build(page)
            } catch let error as HTTPError {
                rendered = Rendered(page.failure(WebForm.Failure(error)))
            }
            return finish(request, rendered.response, userID: page.viewer.userID, key: key, generation: generation,
                          shape: rendered.shape, expires: rendered.expires)
        }
    }

    /// The key under which the page for `request` is kept for readers who are not signed in (per
    /// URL without its tracking parameters, language and compression); nil when it is its reader's
    /// own (signed in, a notice waiting) or not `cacheable`.
    private func anonymousKey(_ request: Request, cacheable: Bool = true) -> String? {
        guard cacheable && SessionCookie.value(request) == nil && WebNotice.of(request) == nil else { return nil }
        let target = TrackingParameters.stripped(request.target)
        return "\(WebLanguage.of(request).rawValue)|\(request.acceptsGzip ? "gzip" : "identity")|\(target)"
    }

    /// The page kept for `request` if there is one (its view counted); else the key and the commit
    /// count (read before the page's own reads) under which a render of it is kept.
    func lookUp(_ request: Request, cacheable: Bool = true) -> (key: String?, generation: UInt64, kept: Response?) {
        let key = anonymousKey(request, cacheable: cacheable)
        let generation = app.database.writer.commitCount
        return (key, generation, keptPage(request, key: key, generation: generation))
    }

    /// The page kept under `key` if nothing has committed since `generation` (read before the
    /// page's own reads); its view is counted.
    private func keptPage(_ request: Request, key: String?, generation: UInt64) -> Response? {
        guard let key, let cached = app.webPageCache.get(key, generation: generation) else { return nil }
        if cached.expires != nil && !cached.isCurrent(at: app.clock.nowMillis()) { return nil }
        recordView(request, userID: nil, scopes: cached.readScopes)
        return WebPage.revalidate(request, cached.response)
    }

    /// A rendered page on its way out: its view counted, kept under `key` when it is a success
    /// that sets no cookie, answered 304 when the reader has it.
    func finish(_ request: Request, _ rendered: Response, userID: Int64?, key: String?, generation: UInt64,
                shape: ListingChanges.Shape? = nil, expires: Int64? = nil) -> Response {
        var response = rendered
        let scopes = WebContext.takeReadScopes(&response)
        recordView(request, userID: userID, scopes: scopes)
        if let key, response.status == .ok && response.headers["set-cookie"] == nil {
            let page = CachedPage(response: response, readScopes: scopes, expires: expires)
            app.webPageCache.put(key, page, generation: generation, shape: shape)
            app.rendersInFlight.kept(key, generation: generation, page: page)
        }
        return WebPage.revalidate(request, response)
    }

    /// A page as the anonymous cache keeps it: what was sent, what its view counts toward, and
    /// the clock time (ms) from which it is no longer served (`Rendered.expires`).
    struct CachedPage: Sendable {
        let response: Response
        let readScopes: [String]
        var expires: Int64? = nil

        /// Whether the page may still be served at clock time `now` (ms).
        func isCurrent(at now: Int64) -> Bool { expires.map { now < $0 } ?? true }
    }

    /// The header a page uses to say which category and round reading it counts toward
    /// (`WebPage.render(readScopes:)`); taken off before the response leaves.
    static let readScopesHeader = "X-Groundswell-Read-Scopes"

    static func takeReadScopes(_ response: inout Response) -> [String] {
        guard let value = response.headers[readScopesHeader] else { return [] }
        response.headers.remove(readScopesHeader)
        return value.split(separator: "\n").map(String.init)
    }

    /// Counts a page view of a successful page for the engagement ladder.
    func recordView(_ request: Request, userID: Int64?, scopes: [String]) {
        app.readerLog.record(request, address: app.client.address(of: request), userID: userID, scopes: scopes,
                             now: app.clock.nowMillis())
    }

    /// A posted form: parsed, its CSRF token checked, then `handle`d. A refusal before the API
    /// is reached (wrong token, wrong body type) is an HTML page with its status and code.
    func form(_ request: Request, back: String? = nil, acceptingUploads: Bool = false,
              _ handle: (WebPage, WebForm) throws -> Reply) throws -> Reply {
        let page = WebPage(request, viewer: try WebViewer.of(request, context: app))
        do {
            return try handle(page, try WebForm(request, viewer: page.viewer, acceptingUploads: acceptingUploads))
        } catch let error as HTTPError {
            return .response(page.failure(WebForm.Failure(error), back: back))
        }
    }

    /// The usual ending of a form: on success a redirect (with a notice); when the API asks
    /// for a sign-in, the sign-in page (coming back to `back`); any other refusal `otherwise`.
    func outcome(_ reply: Reply, page: WebPage, back: String,
                 success: @escaping @Sendable (Response) -> Response,
                 otherwise: (@Sendable (WebForm.Failure) -> Response)? = nil) -> Reply {
        let signIn = page.staff == nil ? "/signin" : "/admin/signin"
        return reply.map { response in
            guard let failure = WebForm.failure(response) else { return success(response) }
            if failure.status == .unauthorized { return WebForm.redirect(signIn + "?next=" + WebPage.queryValue(back)) }
            return otherwise?(failure) ?? page.failure(failure, back: back)
        }
    }
}

extension Request {
    /// A request made in-process on this one's behalf, for an API handler a page calls: the same
    /// client (address, version, the domain's context, start time), a new method, target, body
    /// and path parameters. `headers` nil: this request's own.
    func inProcess(_ method: HTTPMethod = .get, target: String, headers: HTTPHeaders? = nil, body: [UInt8] = [],
                   parameters: [(String, String)] = [], route: String? = nil) -> Request {
        var inner = Request(method: method, target: target, version: version, headers: headers ?? self.headers, body: body,
                            remoteAddress: remoteAddress)
        inner.parameters = Parameters(parameters)
        inner.route = route ?? self.route
        inner.context = context
        inner.startedAt = startedAt
        return inner
    }
}
