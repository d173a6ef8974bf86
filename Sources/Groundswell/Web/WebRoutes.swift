import HTTPServer
import JSON

/// The customer web site: server-rendered pages on the API's port, working without JavaScript
/// (forms post and redirect), with `site.js` as an enhancement. An idea's and a round's URL is
/// the same for a browser and for the API: `Accept` decides (`Request.prefersHTML`).
struct WebRoutes {
    let web: WebContext

    init(context: AppContext, api: WebAPI) {
        web = WebContext(app: context, api: api)
    }

    func register(on router: Router) {
        WebAssets.register(on: router)
        router.get("/") { request in try home(request) }
        router.get("/lang/{code}") { request in try switchLanguage(request) }
        router.get("/in-action") { request in try inAction(request) }
        let ideas = IdeaPages(web: web), rounds = RoundPages(web: web), api = web.api
        ideas.register(on: router)
        SearchPage(web: web).register(on: router)
        SubmitPage(web: web).register(on: router)
        SignInPages(web: web).register(on: router)
        AccountPages(web: web).register(on: router)
        // One URL, two representations (these replace the API's GET routes with a choice).
        router.get("/ideas/{id}") { request in try request.prefersHTML ? ideas.show(request) : api.ideas.show(request) }
        router.get("/rounds") { request in try request.prefersHTML ? rounds.list(request) : api.rounds.list(request) }
        router.get("/rounds/{id}") { request in try request.prefersHTML ? rounds.show(request) : api.rounds.show(request) }
    }

    /// What the home page shows, read in one snapshot, and what keeps it (`WebContext.Rendered`).
    private struct Home {
        let top: [IdeaStore.Summary]
        let trending: [IdeaStore.Summary]
        let newest: [IdeaStore.Summary]
        let categories: [String]
        let round: (id: Int64, name: String, closesAt: Int64)?
        /// Nil unless both ranked lists were full (then no other idea can enter one unseen).
        let shape: ListingChanges.Shape?
        /// The next round's voting opening or closing: the banner may change then.
        let expires: Int64?
    }

    /// The home page: kept past votes that leave its three lists as they are (the most read page,
    /// while votes commit every few milliseconds), and only until the next round opens or closes.
    func home(_ request: Request) throws -> Reply {
        let now = web.app.clock.nowMillis()
        return try web.shapedPage(request) { page in
            let data = try web.app.read { db in
                let ranking = web.app.ranking
                let top = try IdeaStore.summaryList(db, ranking: ranking, order: .top, limit: 10)
                let trending = try IdeaStore.summaryList(db, ranking: ranking, order: .trending, limit: 10)
                let newest = try IdeaStore.summaries(db, ranking: ranking, order: .new, limit: 10)
                var shape: ListingChanges.Shape?
                if let topLast = top.last, let trendingLast = trending.last {
                    shape = ListingChanges.Shape(ids: (top.ideas + trending.ideas + newest).map(\.id),
                                                 bounds: [.init(topLast), .init(trendingLast)])
                }
                return Home(top: top.ideas, trending: trending.ideas, newest: newest,
                            categories: try Categories.names(db),
                            round: try RoundStore.openForVoting(db, now: now),
                            shape: shape, expires: try RoundStore.nextVotingChange(db, now: now))
            }
            let t = page.t
            let response = page.render(title: t(.home)) { html in
                html.element("h1") { $0.text(t(.siteName)) }
                html.element("p", [("class", "lead")]) { $0.text(t(.tagline)) }
                html.element("p") { $0.element("a", [("class", "button primary"), ("href", "/ideas/new")]) { $0.text(t(.submitIdea)) } }
                if let round = data.round {
                    html.element("section", [("class", "banner"), ("aria-label", t(.roundOpen))]) { html in
                        html.element("p") { html in
                            html.element("strong") { $0.text(t(.roundOpen) + ": ") }
                            html.element("a", [("href", "/rounds/\(round.id)")]) { $0.text(round.name) }
                        }
                    }
                }
                if data.top.isEmpty {
                    html.element("p") { $0.text(t(.noIdeasYet)) }
                    return
                }
                html.element("div", [("class", "columns")]) { html in
                    for (heading, ideas, id) in [(t(.topIdeas), data.top, "top"), (t(.trendingIdeas), data.trending, "trending"),
                                                 (t(.newIdeas), data.newest, "new")] {
                        html.element("section", [("aria-labelledby", "list-" + id)]) { html in
                            html.element("h2", [("id", "list-" + id)]) { html in
                                html.element("a", [("href", "/search?sort=" + id)]) { $0.text(heading) }
                            }
                            html.element("ol", [("class", "ideas")]) { html in
                                for idea in ideas { WebLists.summary(&html, idea, page.language) }
                            }
                        }
                    }
                }
                if !data.categories.isEmpty {
                    html.element("section", [("aria-labelledby", "categories-heading")]) { html in
                        html.element("h2", [("id", "categories-heading")]) { $0.text(t(.categories)) }
                        html.element("ul", [("class", "tags")]) { html in
                            for name in data.categories {
                                html.element("li") { $0.element("a", [("href", "/search?category=" + WebPage.queryValue(name))]) { $0.text(name) } }
                            }
                        }
                    }
                }
            }
            return WebContext.Rendered(response, shape: data.shape, expires: data.expires)
        }
    }

    /// "Ideas in action": what the company did with customers' ideas, with its launch notes. Kept
    /// past votes for ideas it does not show (its order is the launches').
    func inAction(_ request: Request) throws -> Reply {
        try web.shapedPage(request) { page in
            let launched = try web.app.read { db in try IdeaStore.launched(db, limit: 50) }
            let t = page.t
            let response = page.render(title: t(.ideasInAction)) { html in
                html.element("h1") { $0.text(t(.ideasInAction)) }
                html.element("p") { $0.text(t(.inActionIntro)) }
                guard !launched.isEmpty else {
                    html.element("p") { $0.text(t(.noLaunchesYet)) }
                    return
                }
                html.element("ol", [("class", "ideas")]) { html in
                    for idea in launched {
                        html.element("li") { html in
                            html.element("h2") { $0.element("a", [("href", "/ideas/\(idea.summary.id)")]) { $0.text(idea.summary.title) } }
                            html.element("p", [("class", "meta")]) { html in
                                html.text(t(.launchedOn) + " ")
                                WebDate.write(idea.launchedAt, page.language, into: &html)
                                html.text(" · \(idea.summary.votes) \(t(.votes)) · " + idea.summary.category)
                            }
                            if let note = idea.note {
                                html.element("blockquote") { html in
                                    html.element("p") { $0.text(note) }
                                    html.element("footer") { $0.text(t(.companyNote)) }
                                }
                            }
                        }
                    }
                }
            }
            return WebContext.Rendered(response, shape: ListingChanges.Shape(ids: launched.map(\.summary.id)))
        }
    }

    /// Remembers the chosen language in a cookie (a year) and goes back to the page it came
    /// from — only a path on this site, never another origin (no open redirect).
    func switchLanguage(_ request: Request) throws -> Reply {
        guard let language = request.parameters["code"].flatMap(WebLanguage.init(rawValue:)) else { throw APIError.notFound("language") }
        var response = WebForm.redirect(WebForm.localPath(request.queryItems["next"]))
        response.headers.add("Set-Cookie", "\(WebLanguage.cookie)=\(language.rawValue); Path=/; Max-Age=31536000; SameSite=Lax")
        return .response(response)
    }
}
