import HTTPServer
import JSON
import Rules

/// Moderation in the console: the queue of open flags (hide the target or dismiss), and an
/// idea's staff view — status change with a public note, an official answer, merge (with similar
/// ideas suggested), disqualify from its round, hide or show, its history and audit trail. Every
/// change goes through the API handler a token would use.
struct ModerationPages {
    let console: ConsoleContext

    func register(on router: Router) {
        router.get("/admin/moderation") { request in try queue(request) }
        router.get("/admin/ideas/{id}") { request in try idea(request) }
        router.post("/admin/do/flags/{id}/resolve") { request in try resolve(request) }
        router.post("/admin/do/ideas/{id}/status") { request in try status(request) }
        router.post("/admin/do/ideas/{id}/visibility") { request in try visibility(request) }
        router.post("/admin/do/ideas/{id}/merge") { request in try merge(request) }
        router.post("/admin/do/ideas/{id}/disqualify") { request in try disqualify(request) }
        router.post("/admin/do/ideas/{id}/reply") { request in try reply(request) }
        router.post("/admin/do/ideas/{id}/media/{media}/remove") { request in try removePicture(request) }
    }

    func queue(_ request: Request) throws -> Reply {
        try console.page(request) { page, _ in
            try console.read(console.api.moderation.flags, request, target: "/admin/flags?state=open&limit=100", page: page) { box in
                let t = page.t
                let flags = box.value.items("items")
                // Flagged pictures are shown, so the moderator sees what was reported.
                let pictureIDs = flags.filter { $0.string("target_type") == "media" }.compactMap { $0.int("target_id") }
                let pictures = (try? console.app.read { db in
                    try pictureIDs.reduce(into: [Int64: MediaItem]()) { found, id in found[id] = try MediaStore.find(db, id: id) }
                }) ?? [:]
                return page.render(title: t(.moderation), personal: true) { html in
                    html.element("h1") { $0.text(t(.openFlags)) }
                    guard !flags.isEmpty else {
                        html.element("p") { $0.text(t(.noOpenFlags)) }
                        return
                    }
                    html.element("ol", [("class", "ideas")]) { html in
                        for flag in flags {
                            let id = flag.int("id") ?? 0
                            let type = flag.string("target_type") ?? ""
                            let target = flag.int("target_id") ?? 0
                            html.element("li") { html in
                                html.element("p") { html in
                                    html.element("strong") { $0.text(t(.target) + ": ") }
                                    if type == "idea" {
                                        html.element("a", [("href", "/admin/ideas/\(target)")]) { $0.text("idea #\(target)") }
                                    } else if type == "media", let item = pictures[target] {
                                        html.text(t(.pictures) + " #\(target) · ")
                                        html.element("a", [("href", "/admin/ideas/\(item.ideaID)")]) { $0.text("idea #\(item.ideaID)") }
                                        if !item.hidden { picture(&html, item, page: page) }
                                    } else {
                                        html.text("\(type) #\(target)")
                                    }
                                }
                                html.element("p") { $0.text(t(.reason) + ": " + (flag.string("reason") ?? "")) }
                                for (action, label) in [("hide", Message.hideTarget), ("dismiss", .dismissFlag)] {
                                    html.element("form", [("action", "/admin/do/flags/\(id)/resolve"), ("method", "post"), ("class", "inline")]) { html in
                                        page.csrfField(&html)
                                        html.void("input", [("type", "hidden"), ("name", "action"), ("value", action)])
                                        html.element("button", [("type", "submit"), ("class", action == "hide" ? "danger small" : "secondary small"),
                                                                ("aria-label", t(label) + " · flag \(id)")]) { $0.text(t(label)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private struct IdeaView: Sendable {
        let idea: JSONValue
        let hidden: Bool
        let history: JSONValue
        let audit: JSONValue
        let similar: [(Int64, String)]
        let campaigns: JSONValue
        let pictures: [MediaItem]
    }

    func idea(_ request: Request) throws -> Reply {
        try console.page(request) { page, staff in
            let id = try console.app.pathID(request, what: "idea")
            let publicURL = console.app.publicURL
            let ranking = console.app.searchRanking()
            let app = console.app
            let admin = staff.role == .admin
            // Finding the similar ideas ranks matches (tens of milliseconds at 1,000,000 ideas): on the
            // search thread, as for customers, not the event loop.
            return app.backgroundReads.then({ try app.read { db -> IdeaView? in
                guard let idea = try IdeaJSON.fetch(db, id: id, includeHidden: true).map(JSONValue.of) else { return nil }
                let hidden = try IdeaJSON.fetch(db, id: id) == nil
                let similar = try SimilarIdeas.find(db, title: idea.string("title") ?? "", limit: 6, ranking: ranking).filter { $0.id != id }
                let titles = try IdeaStore.titles(db, ids: similar.map(\.id))
                return IdeaView(idea: idea, hidden: hidden,
                                history: JSONValue.of(try IdeaModerationStore.historyJSON(db, id: id) ?? Array("{}".utf8)),
                                audit: JSONValue.of(try Audit.page(db, conditions: ["target = ?"], values: ["idea:\(id)"], limit: 50)),
                                similar: similar.compactMap { match in titles[match.id].map { (match.id, $0) } },
                                campaigns: JSONValue.of(try CampaignStore.listJSON(db, ideaID: id, publicURL: publicURL)),
                                pictures: try MediaStore.all(db, ideaID: id, includeHidden: true))
            } }, context: "a console idea page") { view in
                guard let view else { return .response(page.failure(WebForm.Failure(APIError.notFound("idea")), back: "/admin")) }
                return .response(render(page, view, id: id, admin: admin))
            }
        }
    }

    private func render(_ page: WebPage, _ view: IdeaView, id: Int64, admin: Bool) -> Response {
        let t = page.t
        let idea = view.idea
        let status = idea.string("status") ?? ""
        return page.render(title: idea.string("title") ?? t(.ideaAdmin), personal: true) { html in
            html.element("p", [("class", "meta")]) { $0.text(t(.ideaAdmin) + " #\(id)") }
            html.element("h1") { $0.text(idea.string("title") ?? "") }
            html.element("p", [("class", "meta")]) { html in
                html.element("span", [("class", "badge status-\(status)")]) { $0.text(EmailComposer.statusName(status, page.language)) }
                html.text(" · \(idea.int("votes") ?? 0) \(t(.votes)) · " + (idea.string("category") ?? "") + " · " + t(.by) + " ")
                html.element("a", [("href", "/admin/users/\(idea["author"]?.int("id") ?? 0)")]) { $0.text(idea["author"]?.string("name") ?? "") }
                if !view.hidden { html.text(" · "); html.element("a", [("href", "/ideas/\(id)")]) { $0.text(t(.customerSite)) } }
            }
            if view.hidden { html.element("p", [("class", "error")]) { $0.text(t(.hiddenNow)) } }
            html.element("div", [("class", "description")]) { $0.text(idea.string("description") ?? "") }
            html.element("div", [("class", "columns")]) { html in
                // Status with a public note.
                html.element("form", [("action", "/admin/do/ideas/\(id)/status"), ("method", "post"), ("class", "stack")]) { html in
                    page.csrfField(&html)
                    html.element("h2") { $0.text(t(.changeStatus)) }
                    page.field(&html, id: "status", label: .status) { html, _ in
                        html.element("select", [("id", "status"), ("name", "status")]) { html in
                            for next in IdeaLifecycle.transitions[status] ?? [] {
                                html.element("option", [("value", next)]) { $0.text(EmailComposer.statusName(next, page.language)) }
                            }
                        }
                    }
                    page.field(&html, id: "note", label: .publicNote) { html, _ in
                        html.element("textarea", [("id", "note"), ("name", "note"), ("rows", "3"), ("maxlength", "2000")])
                    }
                    html.element("button", [("type", "submit"), ("class", "primary")]) { $0.text(t(.saveStatus)) }
                }
                // An official answer.
                html.element("form", [("action", "/admin/do/ideas/\(id)/reply"), ("method", "post"), ("class", "stack")]) { html in
                    page.csrfField(&html)
                    html.element("h2") { $0.text(t(.officialReply)) }
                    page.field(&html, id: "reply-body", label: .commentLabel) { html, _ in
                        html.element("textarea", [("id", "reply-body"), ("name", "body"), ("rows", "3"), ("required", ""), ("maxlength", "5000")])
                    }
                    html.element("button", [("type", "submit")]) { $0.text(t(.postReply)) }
                }
            }
            html.element("div", [("class", "columns")]) { html in
                html.element("form", [("action", "/admin/do/ideas/\(id)/merge"), ("method", "post"), ("class", "stack")]) { html in
                    page.csrfField(&html)
                    html.element("h2") { $0.text(t(.mergeButton)) }
                    if !view.similar.isEmpty {
                        html.element("p") { $0.text(t(.similarToMerge)) }
                        html.element("ul") { html in
                            for (other, title) in view.similar {
                                html.element("li") { $0.element("a", [("href", "/admin/ideas/\(other)")]) { $0.text("#\(other) " + title) } }
                            }
                        }
                    }
                    page.field(&html, id: "into", label: .mergeInto) { html, _ in
                        html.void("input", [("id", "into"), ("name", "into"), ("type", "number"), ("min", "1"), ("required", ""),
                                            ("value", view.similar.first.map { String($0.0) })])
                    }
                    html.element("button", [("type", "submit")]) { $0.text(t(.mergeButton)) }
                }
                html.element("div", [("class", "stack")]) { html in
                    html.element("h2") { $0.text(t(.visibility)) }
                    html.element("form", [("action", "/admin/do/ideas/\(id)/visibility"), ("method", "post")]) { html in
                        page.csrfField(&html)
                        html.void("input", [("type", "hidden"), ("name", "hidden"), ("value", view.hidden ? "false" : "true")])
                        html.element("button", [("type", "submit"), ("class", view.hidden ? "secondary" : "danger")]) {
                            $0.text(t(view.hidden ? .showIdea : .hideIdea))
                        }
                    }
                    if idea.int("round_id") != nil && !idea.bool("disqualified") {
                        html.element("form", [("action", "/admin/do/ideas/\(id)/disqualify"), ("method", "post"), ("class", "stack")]) { html in
                            page.csrfField(&html)
                            html.element("h2") { $0.text(t(.disqualify)) }
                            page.field(&html, id: "dq-reason", label: .reason) { html, _ in
                                html.void("input", [("id", "dq-reason"), ("name", "reason"), ("required", ""), ("maxlength", "500")])
                            }
                            html.element("button", [("type", "submit"), ("class", "danger")]) { $0.text(t(.disqualifyButton)) }
                        }
                    }
                }
            }
            if !view.pictures.isEmpty {
                html.element("h2") { $0.text(t(.pictures)) }
                html.element("ul", [("class", "gallery")]) { html in
                    for item in view.pictures {
                        html.element("li") { html in
                            if item.hidden || view.hidden {
                                html.element("p") { $0.text(t(.pictures) + " #\(item.id) · " + t(.hiddenNow)) }
                            } else {
                                picture(&html, item, page: page)
                            }
                            html.element("form", [("action", "/admin/do/ideas/\(id)/media/\(item.id)/remove"), ("method", "post")]) { html in
                                page.csrfField(&html)
                                html.element("button", [("type", "submit"), ("class", "danger small"),
                                                        ("aria-label", t(.removePicture) + " #\(item.id)")]) { $0.text(t(.removePicture)) }
                            }
                        }
                    }
                }
            }
            html.table(caption: t(.campaignsTitle), headers: [t(.campaignLabel), t(.shareLink), t(.visits), t(.votes)],
                       rows: WebLists.campaignRows(view.campaigns))
            html.element("h2") { $0.text(t(.history)) }
            html.table(caption: t(.history), headers: [t(.status), t(.publicNote), t(.staffMembers), t(.postedOn)],
                       rows: view.history.items("items").map { step in
                           [EmailComposer.statusName(step.string("to") ?? "", page.language), step.string("note") ?? "",
                            step.string("by") ?? "", step.string("at") ?? ""]
                       })
            html.table(caption: "Audit", headers: [t(.staffMembers), "action", "before", "after", t(.postedOn)],
                       rows: view.audit.items("items").map { entry in
                           [entry["actor"]?.string("name") ?? "", entry.string("action") ?? "", entry.string("before") ?? "",
                            entry.string("after") ?? "", entry.string("at") ?? ""]
                       })
        }
    }

    /// A picture's rendition, linking to the full file.
    private func picture(_ html: inout HTML, _ item: MediaItem, page: WebPage) {
        html.element("a", [("href", "/media/" + item.file)]) { html in
            html.void("img", [("src", "/media/" + item.renditionFile), ("width", String(item.renditionWidth)),
                              ("height", String(item.renditionHeight)), ("class", "thumb"),
                              ("alt", item.alt.isEmpty ? page.t(.pictures) + " #\(item.id)" : item.alt)])
        }
    }

    // MARK: forms

    func removePicture(_ request: Request) throws -> Reply {
        try ideaForm(request) { page, form, id, back in
            let media = try console.app.pathID(request, "media", what: "picture")
            return console.submit(form, console.api.media.remove, request: request, page: page, method: .delete,
                                  parameters: [("id", String(id)), ("media", String(media))], body: nil, back: back)
        }
    }

    private func ideaForm(_ request: Request, _ handle: (WebPage, WebForm, Int64, String) throws -> Reply) throws -> Reply {
        try console.form(request, back: "/admin/moderation") { page, form, _ in
            let id = try console.app.pathID(request, what: "idea")
            return try handle(page, form, id, "/admin/ideas/\(id)")
        }
    }

    func resolve(_ request: Request) throws -> Reply {
        try console.form(request, back: "/admin/moderation") { page, form, _ in
            let id = try console.app.pathID(request, what: "flag")
            return console.submit(form, console.api.moderation.resolve, request: request, page: page, parameters: [("id", String(id))],
                                  body: form.json([("action", .text)]), back: "/admin/moderation")
        }
    }

    func status(_ request: Request) throws -> Reply {
        try ideaForm(request) { page, form, id, back in
            console.submit(form, console.api.moderation.changeIdea, request: request, page: page, method: .patch, parameters: [("id", String(id))],
                           body: form.json([("status", .text), ("note", .optionalText)]), back: back)
        }
    }

    func visibility(_ request: Request) throws -> Reply {
        try ideaForm(request) { page, form, id, back in
            var json = JSONWriter()
            json.beginObject(); json.key("hidden"); json.bool(form["hidden"] == "true"); json.endObject()
            return console.submit(form, console.api.moderation.changeIdea, request: request, page: page, method: .patch,
                                  parameters: [("id", String(id))], body: json.bytes, back: back)
        }
    }

    func merge(_ request: Request) throws -> Reply {
        try ideaForm(request) { page, form, id, _ in
            let into = form["into"].flatMap { Int64($0.trimmingWhitespace()) }
            return console.submit(form, console.api.moderation.merge, request: request, page: page, parameters: [("id", String(id))],
                                  body: form.json([("into", .integer)]), back: "/admin/ideas/\(into ?? id)")
        }
    }

    func disqualify(_ request: Request) throws -> Reply {
        try ideaForm(request) { page, form, id, back in
            console.submit(form, console.api.rounds.disqualify, request: request, page: page, parameters: [("id", String(id))],
                           body: form.json([("reason", .text)]), back: back)
        }
    }

    func reply(_ request: Request) throws -> Reply {
        try ideaForm(request) { page, form, id, back in
            console.submit(form, console.api.comments.reply, request: request, page: page, parameters: [("id", String(id))],
                           body: form.json([("body", .text)]), back: back)
        }
    }
}
