import JSON

/// How an idea looks in every list of the site (home, search, a round, my page): its title
/// as a link and one line of figures.
enum WebLists {
    static func meta(_ html: inout HTML, _ language: WebLanguage, votes: Int64, comments: Int64, status: String, category: String) {
        html.element("p", [("class", "meta")]) { html in
            html.text("\(votes) \(Message.votes.text(language)) · \(comments) \(Message.comments.text(language)) · ")
            html.element("span", [("class", "badge status-\(status)")]) { $0.text(EmailComposer.statusName(status, language)) }
            if !category.isEmpty { html.text(" · " + category) }
        }
    }

    static func summary(_ html: inout HTML, _ idea: IdeaStore.Summary, _ language: WebLanguage) {
        html.element("li", [("class", idea.cover == nil ? nil : "with-cover")]) { html in
            if let cover = idea.cover { thumbnail(&html, cover) }
            html.element("a", [("href", "/ideas/\(idea.id)")]) { $0.text(idea.title) }
            meta(&html, language, votes: idea.votes, comments: idea.comments, status: idea.status, category: idea.category)
        }
    }

    /// A list's small picture (decorative: the title beside it says what it is), its box sized
    /// by the rendition's dimensions so nothing shifts as it loads.
    static func thumbnail(_ html: inout HTML, _ cover: String) {
        let parts = cover.split(separator: " ").map(String.init)
        guard parts.count == 3 else { return }
        html.void("img", [("class", "thumb"), ("src", "/media/" + parts[0]), ("width", parts[1]), ("height", parts[2]),
                          ("alt", ""), ("loading", "lazy"), ("decoding", "async")])
    }

    /// An idea's campaign links as table rows (label, link, visits, votes), for its author and staff.
    static func campaignRows(_ campaigns: JSONValue) -> [[String]] {
        campaigns.items("items").map { c in
            let label = c.string("label") ?? ""
            return [label.isEmpty ? "—" : label, c.string("link") ?? "", "\(c.int("visits") ?? 0)", "\(c.int("votes") ?? 0)"]
        }
    }
}
