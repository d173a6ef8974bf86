import HTTPServer
import JSON

/// The customer web site's pages (issue 15; so far the home page and the language switch),
/// server-rendered with `HTML`, working without JavaScript.
struct WebRoutes {
    let context: AppContext

    func register(on router: Router) {
        WebAssets.register(on: router)
        router.get("/") { request in try home(request) }
        router.get("/lang/{code}") { request in try switchLanguage(request) }
        router.get("/in-action") { request in try inAction(request) }
    }

    /// What the home page shows, read in one snapshot.
    private struct Home {
        let top: [IdeaStore.Summary]
        let trending: [IdeaStore.Summary]
        let newest: [IdeaStore.Summary]
        let categories: [String]
        let round: (id: Int64, name: String, closesAt: Int64)?
    }

    func home(_ request: Request) throws -> Reply {
        let language = WebLanguage.of(request)
        let now = context.clock.nowMillis()
        let data = try context.read { db in
            Home(top: try IdeaStore.summaries(db, order: .top, limit: 10),
                 trending: try IdeaStore.summaries(db, order: .trending, limit: 10),
                 newest: try IdeaStore.summaries(db, order: .new, limit: 10),
                 categories: try Categories.names(db),
                 round: try RoundStore.openForVoting(db, now: now))
        }
        let t = { (message: Message) in message.text(language) }
        return .response(WebPage.render(language, title: t(.home), path: "/") { html in
            html.element("h1") { $0.text(t(.siteName)) }
            html.element("p") { $0.text(t(.tagline)) }
            if let round = data.round {
                html.element("section", [("class", "banner"), ("aria-label", t(.roundOpen))]) { html in
                    html.element("p") { html in
                        html.element("strong") { $0.text(t(.roundOpen) + ": ") }
                        html.text(round.name)
                    }
                }
            }
            if data.top.isEmpty {
                html.element("p") { $0.text(t(.noIdeasYet)) }
                return
            }
            html.element("div", [("class", "columns")]) { html in
                for (heading, ideas) in [(t(.topIdeas), data.top), (t(.trendingIdeas), data.trending), (t(.newIdeas), data.newest)] {
                    html.element("section", [("aria-label", heading)]) { html in
                        html.element("h2") { $0.text(heading) }
                        html.element("ol", [("class", "ideas")]) { html in
                            for idea in ideas { summary(idea, language: language, into: &html) }
                        }
                    }
                }
            }
            if !data.categories.isEmpty {
                html.element("section", [("aria-label", t(.categories))]) { html in
                    html.element("h2") { $0.text(t(.categories)) }
                    html.element("ul", [("class", "tags")]) { html in
                        for name in data.categories { html.element("li") { $0.text(name) } }
                    }
                }
            }
        })
    }

    /// "Ideas in action": what the company did with customers' ideas, with its launch notes.
    func inAction(_ request: Request) throws -> Reply {
        let language = WebLanguage.of(request)
        let launched = try context.read { db in try IdeaStore.launched(db, limit: 50) }
        let t = { (message: Message) in message.text(language) }
        return .response(WebPage.render(language, title: t(.ideasInAction), path: "/in-action") { html in
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
                            html.element("time", [("datetime", Timestamp.string(idea.launchedAt))]) {
                                $0.text(String(Timestamp.string(idea.launchedAt).prefix(10)))
                            }
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
        })
    }

    private func summary(_ idea: IdeaStore.Summary, language: WebLanguage, into html: inout HTML) {
        html.element("li") { html in
            html.element("a", [("href", "/ideas/\(idea.id)")]) { $0.text(idea.title) }
            html.element("div", [("class", "meta")]) { html in
                html.text("\(idea.votes) \(Message.votes.text(language)) · \(idea.comments) \(Message.comments.text(language)) · ")
                html.text(EmailComposer.statusName(idea.status, language))
                html.text(" · " + idea.category)
            }
        }
    }

    /// Remembers the chosen language in a cookie (a year) and goes back to the page it came
    /// from — only a path on this site, never another origin (no open redirect).
    func switchLanguage(_ request: Request) throws -> Reply {
        guard let language = request.parameters["code"].flatMap(WebLanguage.init(rawValue:)) else { throw APIError.notFound("language") }
        var next = request.queryItems["next"] ?? "/"
        if !next.hasPrefix("/") || next.hasPrefix("//") || next.contains("\\") || !next.utf8.allSatisfy({ $0 > 32 && $0 < 127 }) { next = "/" }
        var response = Response(status: .seeOther, contentType: nil)
        response.headers.set("Location", next)
        response.headers.add("Set-Cookie", "\(WebLanguage.cookie)=\(language.rawValue); Path=/; Max-Age=31536000; SameSite=Lax")
        return .response(response)
    }
}
