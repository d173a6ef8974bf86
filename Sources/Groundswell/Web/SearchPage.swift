import HTTPServer
import JSON

/// `GET /search?q=&category=&status=&sort=&cursor=`: ideas matching words (Korean or English),
/// the matched words marked, or — without `q` — a category's or status's ideas. The list comes
/// from the API's own `GET /ideas` (its ranking, cache and limits), rendered as a page.
struct SearchPage {
    let web: WebContext

    func register(on router: Router) {
        router.get("/search") { request in try search(request) }
    }

    func search(_ request: Request) throws -> Reply {
        // Kept for readers who are not signed in until the next commit, as other pages are
        // (`WebContext.page`): rendering and marking 20 results cost 30 times the list itself.
        let (key, generation, kept) = web.lookUp(request)
        if let kept { return .response(kept) }
        let query = request.queryItems
        let q = (query["q"] ?? "").trimmingWhitespace()
        let category = query["category"] ?? ""
        let status = query["status"] ?? ""
        let sort = query["sort"] ?? ""
        var target = "/ideas?limit=20"
        for (name, value) in [("q", q), ("category", category), ("status", status), ("sort", sort), ("cursor", query["cursor"] ?? "")]
            where !value.isEmpty {
            target += "&\(name)=" + WebPage.queryValue(value)
        }
        let highlighter = SearchQuery.all(q).map(Highlighter.init(query:))
        let page = WebPage(request, viewer: try WebViewer.of(request, context: web.app))
        let list = request.inProcess(target: target, route: "/ideas")
        // Ranking may run on the search thread; the page is rendered when the list is ready. It is
        // kept past votes that leave its list as it is (the list's own shape).
        return web.apiPage(request, page: page, key: key, generation: generation, back: "/search", what: "a search page",
                           countRefusals: true, { try web.api.ideas.list(list) }) { [web] response in
            let results = JSONValue.of(response.body)
            let rendered = render(page, results: results, q: q, category: category, status: status, sort: sort, highlighter: highlighter)
            let shape = web.api.ideas.shape(ofListAt: list.queryItems, showing: results.items("items").compactMap { $0.int("id") })
            return WebContext.Rendered(rendered, shape: shape)
        }
    }

    private func render(_ page: WebPage, results: JSONValue, q: String, category: String, status: String, sort: String,
                        highlighter: Highlighter?) -> Response {
        let t = page.t
        let heading = q.isEmpty ? (category.isEmpty ? t(.allIdeas) : category) : t(.search)
        return page.render(title: q.isEmpty ? heading : q + " · " + t(.search)) { html in
            html.element("h1") { $0.text(heading) }
            html.element("form", [("action", "/search"), ("method", "get"), ("class", "stack search-page")]) { html in
                page.field(&html, id: "q", label: .searchLabel, hint: .searchHint) { html, hint in
                    html.void("input", [("id", "q"), ("type", "search"), ("name", "q"), ("value", q), ("maxlength", "200"),
                                        ("aria-describedby", hint)])
                }
                if !category.isEmpty { html.void("input", [("type", "hidden"), ("name", "category"), ("value", category)]) }
                html.element("button", [("type", "submit"), ("class", "primary")]) { $0.text(t(.searchButton)) }
            }
            let items = results.items("items")
            if !q.isEmpty {
                html.element("p", [("class", "meta")]) { $0.text(t(.resultsFor) + " “" + q + "”") }
            }
            guard !items.isEmpty else {
                html.element("p") { $0.text(q.isEmpty ? t(.noIdeasYet) : t(.noResults)) }
                return
            }
            html.element("ol", [("class", "ideas results")]) { html in
                for idea in items {
                    let id = idea.int("id") ?? 0
                    let title = idea.string("title") ?? ""
                    let description = idea.string("description") ?? ""
                    let image = idea["image"]
                    let cover = image.flatMap { image -> String? in
                        guard let url = image.string("url"), url.hasPrefix("/media/") else { return nil }
                        return "\(url.dropFirst("/media/".count)) \(image.int("width") ?? 0) \(image.int("height") ?? 0)"
                    }
                    html.element("li", [("class", cover == nil ? nil : "with-cover")]) { html in
                        if let cover { WebLists.thumbnail(&html, cover) }
                        html.element("h2") { html in
                            html.element("a", [("href", "/ideas/\(id)")]) { html in
                                if let highlighter { html.highlighted(highlighter.segments(title)) } else { html.text(title) }
                            }
                        }
                        html.element("p") { html in
                            if let highlighter { html.highlighted(highlighter.snippetSegments(description)) }
                            else { html.text(String(description.unicodeScalars.prefix(200)) + (description.unicodeScalars.count > 200 ? "…" : "")) }
                        }
                        WebLists.meta(&html, page.language, votes: idea.int("votes") ?? 0, comments: idea.int("comments") ?? 0,
                                      status: idea.string("status") ?? "", category: idea.string("category") ?? "")
                    }
                }
            }
            if let cursor = results.string("next_cursor") {
                var next = "/search?cursor=" + WebPage.queryValue(cursor)
                for (name, value) in [("q", q), ("category", category), ("status", status), ("sort", sort)] where !value.isEmpty {
                    next += "&\(name)=" + WebPage.queryValue(value)
                }
                html.element("p") { $0.element("a", [("href", next), ("rel", "next")]) { $0.text(t(.nextPage)) } }
            }
        }
    }
}
