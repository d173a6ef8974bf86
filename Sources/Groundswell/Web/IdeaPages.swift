import HTTPServer
import JSON
import Rules

/// An idea's page (`GET /ideas/{id}` when the browser asks for HTML): description, the vote
/// button and count, the status timeline with the company's public notes, the discussion with
/// official answers, share links; and its forms (vote, comment, follow), which go through the
/// API's own handlers.
struct IdeaPages {
    let web: WebContext

    func register(on router: Router) {
        router.post("/ideas/{id}/vote") { request in try vote(request) }
        router.post("/ideas/{id}/comment") { request in try comment(request) }
        router.post("/ideas/{id}/following") { request in try follow(request) }
        router.post("/ideas/{id}/campaign") { request in try campaign(request) }
        router.post("/ideas/{id}/link") { request in try attach(request) }
        router.post("/ideas/{id}/picture") { request in try addPicture(request) }
        router.post("/ideas/{id}/picture/{media}/remove") { request in try removePicture(request) }
    }

    /// Everything the page shows, read in one snapshot.
    private struct Data {
        let idea: JSONValue
        let history: JSONValue
        let comments: JSONValue
        let roundName: String?
        let voted: Bool
        let following: Bool
        /// The author's campaign links (only when the author is looking).
        let campaigns: JSONValue?
        let links: [(id: Int64, link: AttachedLink)]
        let pictures: [MediaItem]
    }

    func show(_ request: Request) throws -> Reply {
        let now = web.app.clock.nowMillis()
        return try web.shapedPage(request) { page in
            let id = try web.app.pathID(request, what: "idea")
            let userID = page.viewer.userID
            let publicURL = web.app.publicURL
            let data = try web.app.read { db -> Data? in
                guard let idea = try IdeaJSON.fetch(db, id: id).map(JSONValue.of) else { return nil }
                var roundName: String?
                var day: Int64 = 0
                if let roundID = idea.int("round_id"), let round = try RoundStore.load(db, id: roundID) {
                    roundName = round.name
                    day = RoundEntry.day(of: round, at: now)
                }
                return Data(idea: idea,
                            history: JSONValue.of(try IdeaModerationStore.historyJSON(db, id: id) ?? []),
                            comments: JSONValue.of(try CommentStore.page(db, ideaID: id, after: 0, limit: 200)),
                            roundName: roundName,
                            voted: try userID.map { try VoteLedger.hasVoted(db, ideaID: id, userID: $0, day: day) } ?? false,
                            following: try userID.map { try NotificationStore.isFollowing(db, userID: $0, ideaID: id) } ?? false,
                            campaigns: userID != nil && idea["author"]?.int("id") == userID
                                ? JSONValue.of(try CampaignStore.listJSON(db, ideaID: id, publicURL: publicURL)) : nil,
                            links: try IdeaLinkStore.all(db, ideaID: id),
                            pictures: try MediaStore.all(db, ideaID: id))
            }
            guard let data else { throw APIError.notFound("idea") }
            if let target = data.idea.int("merged_into") { return WebContext.Rendered(WebForm.redirect("/ideas/\(target)", notice: .merged)) }
            // Kept past votes for other ideas: the page shows this idea and rows of tables that
            // `IdeaPageTables` watches.
            return WebContext.Rendered(render(page, data, id: id), shape: ListingChanges.Shape(ids: [id]))
        }
    }

    private func render(_ page: WebPage, _ data: Data, id: Int64) -> Response {
        let idea = data.idea
        let t = page.t
        let title = idea.string("title") ?? ""
        let status = idea.string("status") ?? "submitted"
        let closed = status == "declined" || status == "duplicate" || idea.bool("disqualified")
        let card = { (html: inout HTML) in
            let image = data.pictures.first.map {
                WebPage.CardImage(url: web.app.publicURL + "/media/" + $0.renditionFile, width: $0.renditionWidth,
                                  height: $0.renditionHeight, alt: $0.alt)
            }
            WebPage.shareCard(&html, url: web.app.publicURL + "/ideas/\(id)", title: title,
                              description: idea.string("description") ?? "", siteName: t(.siteName), image: image)
        }
        var scopes = ["c:" + (idea.string("category") ?? "")]
        if let round = idea.int("round_id") { scopes.append("r:\(round)") }
        return page.render(title: title, readScopes: scopes, head: card) { html in
            html.element("article", [("class", "idea"), ("data-idea", String(id))]) { html in
                html.element("h1") { $0.text(title) }
                html.element("p", [("class", "meta")]) { html in
                    html.element("span", [("class", "badge status-\(status)")]) { $0.text(EmailComposer.statusName(status, page.language)) }
                    html.text(" · " + t(.by) + " " + (idea["author"]?.string("name") ?? "") + " · ")
                    if let created = idea.time("created_at") { WebDate.write(created, page.language, into: &html) }
                    html.text(" · " + t(.category) + ": ")
                    html.element("a", [("href", "/search?category=" + WebPage.queryValue(idea.string("category") ?? ""))]) {
                        $0.text(idea.string("category") ?? "")
                    }
                }
                if let roundID = idea.int("round_id"), let name = data.roundName {
                    html.element("p") { html in
                        html.text(t(.inRound) + ": ")
                        html.element("a", [("href", "/rounds/\(roundID)")]) { $0.text(name) }
                        if let tier = idea.string("tier") { html.text(" · " + tier) }
                    }
                }
                html.element("div", [("class", "description")]) { $0.text(idea.string("description") ?? "") }
                pictures(&html, page, data.pictures, id: id, author: data.campaigns != nil)
                attachments(&html, page, data.links, id: id, author: data.campaigns != nil)
                voteBox(&html, page, idea: idea, id: id, voted: data.voted, closed: closed)
                if page.viewer.signedIn {
                    html.element("form", [("action", "/ideas/\(id)/following"), ("method", "post"), ("class", "inline")]) { html in
                        page.csrfField(&html)
                        html.void("input", [("type", "hidden"), ("name", "action"), ("value", data.following ? "unfollow" : "follow")])
                        html.element("button", [("type", "submit"), ("class", "secondary")]) { $0.text(t(data.following ? .unfollow : .follow)) }
                    }
                }
                timeline(&html, page, data.history)
                share(&html, page, id: id, title: title)
                if let campaigns = data.campaigns { campaignSection(&html, page, campaigns, id: id) }
                discussion(&html, page, data.comments, id: id, closed: closed)
            }
        }
    }

    private func voteBox(_ html: inout HTML, _ page: WebPage, idea: JSONValue, id: Int64, voted: Bool, closed: Bool) {
        let t = page.t
        html.element("section", [("class", "vote-box"), ("aria-label", t(.votes)), ("data-vote-texts", ""),
                                 ("data-text-vote", t(.vote)), ("data-text-unvote", t(.unvote)),
                                 ("data-notice-voted", t(.noticeVoted)), ("data-notice-unvoted", t(.noticeUnvoted))]) { html in
            html.element("p", [("class", "count")]) { html in
                html.element("span", [("class", "number"), ("data-vote-count", String(id))]) { $0.text(String(idea.int("votes") ?? 0)) }
                html.text(" " + t(.votes))
            }
            if closed {
                html.element("p") { $0.text(t(.ideaClosed)) }
            } else if page.viewer.signedIn {
                html.element("p", [("class", "voted"), ("hidden", voted ? nil : "")]) { $0.text(t(.youVoted)) }
                html.element("form", [("action", "/ideas/\(id)/vote"), ("method", "post"), ("data-vote-form", String(id))]) { html in
                    page.csrfField(&html)
                    html.void("input", [("type", "hidden"), ("name", "action"), ("value", voted ? "unvote" : "vote")])
                    html.element("button", [("type", "submit"), ("class", voted ? "secondary" : "primary"),
                                            ("aria-pressed", voted ? "true" : "false")]) { $0.text(t(voted ? .unvote : .vote)) }
                }
            } else {
                html.element("a", [("class", "button primary"), ("href", "/signin?next=" + WebPage.queryValue("/ideas/\(id)"))]) {
                    $0.text(t(.signInToVote))
                }
            }
        }
    }

    private func timeline(_ html: inout HTML, _ page: WebPage, _ history: JSONValue) {
        html.element("section", [("aria-labelledby", "timeline-heading")]) { html in
            html.element("h2", [("id", "timeline-heading")]) { $0.text(page.t(.timeline)) }
            html.element("ol", [("class", "timeline")]) { html in
                for step in history.items("items") {
                    let to = step.string("to") ?? ""
                    html.element("li", [("class", "status-\(to)")]) { html in
                        html.element("strong") { $0.text(EmailComposer.statusName(to, page.language)) }
                        if let at = step.time("at") { html.text(" · "); WebDate.write(at, page.language, into: &html) }
                        if let note = step.string("note") {
                            html.element("blockquote") { html in
                                html.element("p") { $0.text(note) }
                                html.element("footer") { $0.text(page.t(.companyNote)) }
                            }
                        }
                    }
                }
            }
        }
    }

    private func share(_ html: inout HTML, _ page: WebPage, id: Int64, title: String) {
        let t = page.t
        // The short link: what people paste into posts, and what counts the visits it brings.
        let url = web.app.publicURL + "/i/" + ShortCode.encode(id)
        let encodedURL = WebPage.queryValue(url), encodedTitle = WebPage.queryValue(title)
        html.element("section", [("aria-labelledby", "share-heading"), ("class", "share")]) { html in
            html.element("h2", [("id", "share-heading")]) { $0.text(t(.share)) }
            html.element("label", [("for", "share-url")]) { $0.text(t(.shareLink)) }
            html.void("input", [("id", "share-url"), ("type", "url"), ("readonly", ""), ("value", url)])
            html.element("ul", [("class", "tags")]) { html in
                // Plain links: nothing is loaded from those sites until the reader chooses one.
                html.element("li") { $0.element("a", [("href", "https://twitter.com/intent/tweet?url=\(encodedURL)&text=\(encodedTitle)"), ("rel", "noopener noreferrer")]) { $0.text(t(.shareOnX)) } }
                html.element("li") { $0.element("a", [("href", "https://www.facebook.com/sharer/sharer.php?u=\(encodedURL)"), ("rel", "noopener noreferrer")]) { $0.text(t(.shareOnFacebook)) } }
                html.element("li") { $0.element("a", [("href", "mailto:?subject=\(encodedTitle)&body=\(encodedURL)")]) { $0.text(t(.shareByEmail)) } }
            }
        }
    }

    private func discussion(_ html: inout HTML, _ page: WebPage, _ comments: JSONValue, id: Int64, closed: Bool) {
        let t = page.t
        html.element("section", [("aria-labelledby", "discussion-heading")]) { html in
            html.element("h2", [("id", "discussion-heading")]) { $0.text(t(.discussion)) }
            let items = comments.items("items")
            if items.isEmpty { html.element("p") { $0.text(t(.noComments)) } }
            html.element("ol", [("class", "comments")]) { html in
                for comment in items {
                    let official = comment.bool("official")
                    html.element("li", [("id", "comment-\(comment.int("id") ?? 0)"), ("class", official ? "official" : nil)]) { html in
                        html.element("p", [("class", "meta")]) { html in
                            html.element("strong") { $0.text(comment["author"]?.string("name") ?? "") }
                            if official { html.text(" · "); html.element("span", [("class", "badge")]) { $0.text(t(.official)) } }
                            if let at = comment.time("created_at") { html.text(" · "); WebDate.write(at, page.language, into: &html) }
                        }
                        html.element("div", [("class", "description")]) { $0.text(comment.string("body") ?? "") }
                    }
                }
            }
            if closed { return }
            if page.viewer.signedIn {
                commentForm(&html, page, id: id, text: "")
            } else {
                html.element("p") { $0.element("a", [("href", "/signin?next=" + WebPage.queryValue("/ideas/\(id)"))]) { $0.text(t(.signInToComment)) } }
            }
        }
    }

    private func commentForm(_ html: inout HTML, _ page: WebPage, id: Int64, text: String) {
        html.element("form", [("action", "/ideas/\(id)/comment"), ("method", "post"), ("class", "stack")]) { html in
            page.csrfField(&html)
            html.element("h3") { $0.text(page.t(.addComment)) }
            page.field(&html, id: "comment-body", label: .commentLabel) { html, _ in
                html.element("textarea", [("id", "comment-body"), ("name", "body"), ("rows", "4"), ("required", ""),
                                          ("maxlength", "5000")]) { $0.text(text) }
            }
            html.element("button", [("type", "submit"), ("class", "primary")]) { $0.text(page.t(.postComment)) }
        }
    }

    /// Videos as a button that loads the privacy-enhanced player only when pressed (site.js;
    /// without script the button is a link to the video's own site), and links as links.
    private func attachments(_ html: inout HTML, _ page: WebPage, _ links: [(id: Int64, link: AttachedLink)], id: Int64, author: Bool) {
        let t = page.t
        guard !links.isEmpty || author else { return }
        html.element("section", [("aria-labelledby", "links-heading"), ("class", "attachments")]) { html in
            html.element("h2", [("id", "links-heading")]) { $0.text(t(.videosAndLinks)) }
            html.element("ul", [("class", "attachments")]) { html in
                for item in links {
                    html.element("li") { html in
                        if let embed = item.link.embedURL {
                            let site = item.link.kind == .youtube ? "YouTube" : "Vimeo"
                            html.element("div", [("class", "embed"), ("data-embed-src", embed), ("data-embed-title", t(.video) + " · " + site)]) { html in
                                html.element("a", [("class", "button"), ("href", item.link.url), ("data-embed", ""), ("rel", "noopener noreferrer")]) {
                                    $0.text("▶ " + t(.playVideo) + " (" + site + ")")
                                }
                                html.element("p", [("class", "hint")]) { $0.text(t(.videoPrivacy)) }
                            }
                        } else {
                            html.element("a", [("href", item.link.url), ("rel", "nofollow ugc noopener noreferrer")]) { $0.text(item.link.url) }
                        }
                    }
                }
            }
            if author {
                html.element("form", [("action", "/ideas/\(id)/link"), ("method", "post"), ("class", "stack narrow")]) { html in
                    page.csrfField(&html)
                    page.field(&html, id: "link-url", label: .addLinkLabel, hint: .addLinkHint) { html, hint in
                        html.void("input", [("id", "link-url"), ("name", "url"), ("type", "url"), ("required", ""), ("maxlength", "500"),
                                            ("aria-describedby", hint)])
                    }
                    html.element("button", [("type", "submit")]) { $0.text(t(.addLink)) }
                }
            }
        }
    }

    /// The idea's pictures as list renditions linking to the full picture; for the author, a
    /// remove button on each and the upload form (multipart: it works without script).
    private func pictures(_ html: inout HTML, _ page: WebPage, _ items: [MediaItem], id: Int64, author: Bool) {
        let t = page.t
        guard !items.isEmpty || author else { return }
        html.element("section", [("aria-labelledby", "pictures-heading"), ("class", "pictures")]) { html in
            html.element("h2", [("id", "pictures-heading")]) { $0.text(t(.pictures)) }
            if !items.isEmpty {
                html.element("ul", [("class", "gallery")]) { html in
                    for item in items {
                        html.element("li") { html in
                            html.element("figure") { html in
                                html.element("a", [("href", "/media/" + item.file), ("title", t(.openPicture))]) { html in
                                    html.void("img", [("src", "/media/" + item.renditionFile), ("width", String(item.renditionWidth)),
                                                      ("height", String(item.renditionHeight)), ("loading", "lazy"),
                                                      ("alt", item.alt.isEmpty ? t(.pictures) : item.alt)])
                                }
                                if !item.alt.isEmpty { html.element("figcaption") { $0.text(item.alt) } }
                            }
                            if author {
                                html.element("form", [("action", "/ideas/\(id)/picture/\(item.id)/remove"), ("method", "post")]) { html in
                                    page.csrfField(&html)
                                    html.element("button", [("type", "submit"), ("class", "secondary")]) { $0.text(t(.removePicture)) }
                                }
                            }
                        }
                    }
                }
            }
            if author {
                html.element("form", [("action", "/ideas/\(id)/picture"), ("method", "post"), ("enctype", "multipart/form-data"),
                                      ("class", "stack narrow")]) { html in
                    page.csrfField(&html)
                    page.field(&html, id: "picture-file", label: .pictureFile, hint: .pictureHint) { html, hint in
                        html.void("input", [("id", "picture-file"), ("name", "file"), ("type", "file"), ("required", ""),
                                            ("accept", "image/jpeg,image/png,image/webp"), ("aria-describedby", hint)])
                    }
                    page.field(&html, id: "picture-alt", label: .pictureAlt, hint: .pictureAltHint) { html, hint in
                        html.void("input", [("id", "picture-alt"), ("name", "alt"), ("maxlength", "300"), ("aria-describedby", hint)])
                    }
                    html.element("button", [("type", "submit")]) { $0.text(t(.addPicture)) }
                }
            }
        }
    }

    /// A form of the idea page that goes through one API handler and comes back to the page at
    /// `anchor`: the idea's id from the path, the refusals as pages, the notice on success.
    private func pageForm(_ request: Request, anchor: String, acceptingUploads: Bool = false,
                          _ call: (WebForm, Int64) -> Reply) throws -> Reply {
        try web.form(request, acceptingUploads: acceptingUploads) { page, form in
            let id = try web.app.pathID(request, what: "idea")
            let back = "/ideas/\(id)"
            return web.outcome(call(form, id), page: page, back: back) { _ in WebForm.redirect(back + anchor, notice: .done) }
        }
    }

    /// The upload form: its CSRF token is a field of the multipart body, checked before the
    /// picture is decoded; then the API's own handler stores it from the same spooled body.
    func addPicture(_ request: Request) throws -> Reply {
        try pageForm(request, anchor: "#pictures-heading", acceptingUploads: true) { form, id in
            form.call(web.api.media.upload, from: request, parameters: [("id", String(id))], body: nil, context: web.app)
        }
    }

    func removePicture(_ request: Request) throws -> Reply {
        let mediaID = request.parameters["media"] ?? ""
        return try pageForm(request, anchor: "#pictures-heading") { form, id in
            form.call(web.api.media.remove, from: request, method: .delete, parameters: [("id", String(id)), ("media", mediaID)],
                      body: nil, context: web.app)
        }
    }

    func attach(_ request: Request) throws -> Reply {
        try pageForm(request, anchor: "#links-heading") { form, id in
            form.call(web.api.links.add, from: request, parameters: [("id", String(id))], body: form.json([("url", .text)]), context: web.app)
        }
    }

    /// For the idea's author: the links they share, what each brought, and a form for a new one.
    private func campaignSection(_ html: inout HTML, _ page: WebPage, _ campaigns: JSONValue, id: Int64) {
        let t = page.t
        html.element("section", [("aria-labelledby", "campaigns-heading")]) { html in
            html.element("h2", [("id", "campaigns-heading")]) { $0.text(t(.campaignsTitle)) }
            html.element("p") { $0.text(t(.campaignsIntro)) }
            html.table(caption: t(.campaignsTitle), headers: [t(.campaignLabel), t(.shareLink), t(.visits), t(.votes)],
                       rows: WebLists.campaignRows(campaigns))
            html.element("form", [("action", "/ideas/\(id)/campaign"), ("method", "post"), ("class", "stack narrow")]) { html in
                page.csrfField(&html)
                page.field(&html, id: "campaign-label", label: .campaignLabel, hint: .campaignHint) { html, hint in
                    html.void("input", [("id", "campaign-label"), ("name", "label"), ("required", ""), ("maxlength", "40"),
                                        ("pattern", "[a-z0-9_-]+"), ("aria-describedby", hint)])
                }
                html.element("button", [("type", "submit")]) { $0.text(t(.addCampaign)) }
            }
        }
    }

    // MARK: forms

    func campaign(_ request: Request) throws -> Reply {
        try pageForm(request, anchor: "#campaigns-heading") { form, id in
            form.call(web.api.campaigns.create, from: request, parameters: [("id", String(id))], body: form.json([("label", .text)]),
                      context: web.app)
        }
    }

    func vote(_ request: Request) throws -> Reply {
        try web.form(request) { page, form in
            let id = try web.app.pathID(request, what: "idea")
            let back = "/ideas/\(id)"
            let unvote = form["action"] == "unvote"
            // A vote from a round's leaderboard goes back there.
            let next = form["next"].map { WebForm.localPath($0) } ?? back
            let votes = web.api.votes
            let reply = form.call({ try unvote ? votes.retract($0) : votes.vote($0) }, from: request, method: unvote ? .delete : .post,
                                  parameters: [("id", String(id))], body: nil, context: web.app)
            return web.outcome(reply, page: page, back: next) { _ in WebForm.redirect(next, notice: unvote ? .unvoted : .voted) }
        }
    }

    func comment(_ request: Request) throws -> Reply {
        try web.form(request) { page, form in
            let id = try web.app.pathID(request, what: "idea")
            let back = "/ideas/\(id)"
            let reply = form.call(web.api.comments.create, from: request, parameters: [("id", String(id))],
                                  body: form.json([("body", .text)]), context: web.app)
            let text = form["body"] ?? ""
            return web.outcome(reply, page: page, back: back, success: { response in
                let comment = JSONValue.of(response.body).int("id") ?? 0
                return WebForm.redirect(back + "#comment-\(comment)", notice: .commented)
            }, otherwise: { failure in
                // The comment as typed comes back in the form: nothing the reader wrote is lost.
                page.render(title: page.t(.addComment), status: failure.status) { html in
                    html.element("h1") { $0.text(page.t(.addComment)) }
                    page.errorBox(&html, failure)
                    commentForm(&html, page, id: id, text: text)
                    html.element("p") { $0.element("a", [("href", back)]) { $0.text(page.t(.backTo)) } }
                }
            })
        }
    }

    func follow(_ request: Request) throws -> Reply {
        try web.form(request) { page, form in
            let id = try web.app.pathID(request, what: "idea")
            let back = "/ideas/\(id)"
            let following = form["action"] != "unfollow"
            let notifications = web.api.notifications
            let reply = form.call({ try notifications.follow($0, following: following) }, from: request,
                                  method: following ? .post : .delete, parameters: [("id", String(id))], body: nil, context: web.app)
            return web.outcome(reply, page: page, back: back) { _ in WebForm.redirect(back, notice: following ? .following : .unfollowed) }
        }
    }
}
