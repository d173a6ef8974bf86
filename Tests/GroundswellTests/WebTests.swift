import Foundation
import Synchronization
import TestSupport
import XCTest
@testable import Groundswell

/// The customer web site (issue 15, first pages): HTML from our own server, escaped by
/// construction, with the security headers, in English and Korean.
final class WebTests: ServiceTestCase {
    func testHomePageIsEscapedSecuredAndInTheReadersLanguage() throws {
        let (_, token) = try signUp("Author")
        try createIdea(token, title: "<script>alert('x')</script> & more", description: "d")
        let page = try client.get("/")
        XCTAssertEqual(page.status, 200)
        XCTAssertEqual(page.header("Content-Type"), "text/html; charset=utf-8")
        XCTAssertEqual(page.header("Content-Security-Policy"), WebPage.contentSecurityPolicy)
        XCTAssertTrue(WebPage.contentSecurityPolicy.contains("script-src 'self'"))
        XCTAssertTrue(WebPage.contentSecurityPolicy.contains("frame-ancestors 'none'"))
        XCTAssertEqual(page.header("X-Content-Type-Options"), "nosniff")
        XCTAssertEqual(page.header("Referrer-Policy"), "strict-origin-when-cross-origin")
        XCTAssertTrue(page.text.contains("<html lang=\"en\">"))
        XCTAssertFalse(page.text.contains("<script>alert"), "user text is escaped")
        XCTAssertTrue(page.text.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more"))
        XCTAssertFalse(page.text.contains("style=\""), "no inline style (CSP)")
        XCTAssertFalse(page.text.contains("<script>"), "no inline script (CSP): only <script src>")
        XCTAssertTrue(page.text.contains("<script src=\"\(WebAssets.script.path)\" defer=\"\"></script>"))

        let korean = try client.request("GET", "/", headers: [("Accept-Language", "ko-KR,ko;q=0.9,en;q=0.8")])
        XCTAssertTrue(korean.text.contains("<html lang=\"ko\">"))
        XCTAssertTrue(korean.text.contains(Message.topIdeas.text(.ko)))
        let chosen = try client.request("GET", "/", headers: [("Accept-Language", "ko"), ("Cookie", "gs_lang=en")])
        XCTAssertTrue(chosen.text.contains("<html lang=\"en\">"), "the switch wins over the browser's language")

        // The stylesheet: content-hashed URL, cached for a year; another hash is not found.
        let css = try client.get(WebAssets.stylesheet.path)
        XCTAssertEqual(css.status, 200)
        XCTAssertEqual(css.header("Cache-Control"), "public, max-age=31536000, immutable")
        XCTAssertEqual(css.header("Content-Type"), "text/css; charset=utf-8")
        XCTAssertEqual(try client.get("/assets/0000000000000000/site.css").status, 404)
    }

    /// A page that is not kept is rendered on a page thread, off the event loop: while those
    /// threads are busy the API and `/healthz` are still answered, and the page when one is free.
    func testPagesAreRenderedOffTheEventLoop() throws {
        let (_, token) = try signUp("Author")
        let id = try createIdea(token, title: "Recycled cups", description: "d")["id"] as! Int
        let gate = DispatchSemaphore(value: 0)
        let busy = DispatchSemaphore(value: 0)
        let pageThreads = service.app.context.pageRenders.threads
        for _ in 0..<pageThreads { XCTAssertTrue(service.app.context.pageRenders.run { busy.signal(); gate.wait() }) }
        for _ in 0..<pageThreads { busy.wait() }
        let page = Mutex<(Int, String)?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread { [port = service.port] in
            let response = try? TestClient(port: port).request("GET", "/ideas/\(id)", headers: [("Accept", "text/html")])
            page.withLock { $0 = response.map { ($0.status, $0.text) } }
            done.signal()
        }
        XCTAssertEqual(done.wait(timeout: .now() + 0.3), .timedOut, "the page waits for the page thread")
        XCTAssertEqual(try client.get("/healthz").status, 200)
        XCTAssertEqual(try client.get("/ideas/\(id)").json["title"] as? String, "Recycled cups")
        for _ in 0..<pageThreads { gate.signal() }
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(page.withLock { $0?.0 }, 200)
        XCTAssertTrue(page.withLock { $0?.1 ?? "" }.contains("Recycled cups"))
    }

    func testLanguageSwitchRemembersAndNeverRedirectsAway() throws {
        let switched = try client.get("/lang/ko?next=/")
        XCTAssertEqual(switched.status, 303)
        XCTAssertEqual(switched.header("Location"), "/")
        XCTAssertTrue(switched.header("Set-Cookie")!.hasPrefix("gs_lang=ko;"))
        for next in ["//evil.example/", "https://evil.example/", "/\\evil", "/%0d%0aX-Evil:%201"] {
            let response = try client.get("/lang/en?next=" + next)
            XCTAssertEqual(response.header("Location"), "/", next)
        }
        XCTAssertEqual(try client.get("/lang/fr").status, 404)
    }

    func testIdeasInActionShowsLaunchedIdeasWithTheCompanysNote() throws {
        let (_, token) = try signUp("Author")
        let empty = try client.get("/in-action")
        XCTAssertEqual(empty.status, 200)
        XCTAssertTrue(empty.text.contains(Message.noLaunchesYet.text(.en)))
        let first = try createIdea(token, title: "Oat milk <everywhere>")["id"] as! Int
        let second = try createIdea(token, title: "Paper straws")["id"] as! Int
        let third = try createIdea(token, title: "Not launched")["id"] as! Int
        for (id, note) in [(first, "In all stores since May & loved"), (second, "Now standard")] {
            for status in ["under_review", "accepted", "in_progress"] {
                XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(id)", json: ["status": status], token: service.adminToken).status, 200)
            }
            XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(id)", json: ["status": "launched", "note": note], token: service.adminToken).status, 200)
        }
        _ = third
        let page = try client.request("GET", "/in-action", headers: [("Accept-Language", "ko")])
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.text.contains("<html lang=\"ko\">"))
        XCTAssertTrue(page.text.contains("Oat milk &lt;everywhere&gt;"))
        XCTAssertTrue(page.text.contains("In all stores since May &amp; loved"))
        XCTAssertFalse(page.text.contains("Not launched"))
        let paper = try XCTUnwrap(page.text.range(of: "Paper straws"))
        let oat = try XCTUnwrap(page.text.range(of: "Oat milk"))
        XCTAssertLessThan(paper.lowerBound, oat.lowerBound, "newest launch first")
        XCTAssertEqual(page.header("Content-Security-Policy"), WebPage.contentSecurityPolicy)
    }

    func testEveryMessageExistsInBothLanguages() {
        for message in Message.allCases {
            let (en, ko) = message.pair
            XCTAssertFalse(en.isEmpty, "\(message)")
            XCTAssertFalse(ko.isEmpty, "\(message)")
            XCTAssertNotEqual(en, ko, "\(message) is not translated")
        }
    }

    func testTheReadersLanguageFromAcceptLanguage() {
        XCTAssertEqual(UserRoutes.preferredLanguage("ko-KR,ko;q=0.9,en;q=0.8"), "ko")
        XCTAssertEqual(UserRoutes.preferredLanguage("en-US,ko;q=0.5"), "en")
        XCTAssertEqual(UserRoutes.preferredLanguage("fr-FR,fr;q=0.9,KO;q=0.4"), "ko")
        XCTAssertEqual(UserRoutes.preferredLanguage("fr"), "en")
        XCTAssertEqual(UserRoutes.preferredLanguage("ko;q=0"), "en")
        XCTAssertEqual(UserRoutes.preferredLanguage(nil), "en")
        XCTAssertEqual(UserRoutes.preferredLanguage(""), "en")
    }

    /// Pages for readers who are not signed in are cached until the next commit: a vote shows at once.
    func testACachedPageGivesWayToTheNextCommit() throws {
        let (_, token) = try signUp("Author")
        let id = try createIdea(token, title: "Cached idea")["id"] as! Int
        let html = [("Accept", "text/html")]
        let first = try client.request("GET", "/ideas/\(id)", headers: html)
        XCTAssertTrue(first.text.contains(#"data-vote-count="\#(id)">0<"#))
        XCTAssertEqual(try client.request("GET", "/ideas/\(id)", headers: html).body, first.body)
        let (_, voter) = try signUp("Voter")
        XCTAssertEqual(try client.post("/ideas/\(id)/votes", token: voter).status, 201)
        let after = try client.request("GET", "/ideas/\(id)", headers: html)
        XCTAssertTrue(after.text.contains(#"data-vote-count="\#(id)">1<"#), "a vote retires cached pages")
        let korean = try client.request("GET", "/ideas/\(id)", headers: html + [("Accept-Language", "ko")])
        XCTAssertTrue(korean.text.contains("<html lang=\"ko\">"), "the language is part of the key")
    }

    /// Links shared on social networks arrive with a click id of their own on every click, and
    /// campaign tags: the kept page is the same for all of them (one entry, the same bytes), its
    /// "come back here" links leave them out, and any other parameter is a page of its own.
    func testTrackingParametersShareTheKeptPage() throws {
        let (_, token) = try signUp("Author")
        let id = try createIdea(token, title: "Refill stations in every store")["id"] as! Int
        let html = [("Accept", "text/html")]
        let kept = service.app.context.webPageCache.count
        let first = try client.request("GET", "/ideas/\(id)?utm_source=facebook&fbclid=IwAR0abc&utm_campaign=spring", headers: html)
        XCTAssertEqual(first.status, 200, first.text)
        XCTAssertTrue(first.text.contains("Refill stations in every store"))
        XCTAssertFalse(first.text.contains("fbclid"), "the sign-in and language links leave the click id out")
        XCTAssertFalse(first.text.contains("utm_"))
        XCTAssertEqual(service.app.context.webPageCache.count, kept + 1)
        for target in ["/ideas/\(id)?fbclid=IwAR0xyz", "/ideas/\(id)?gclid=Cj0K&utm_medium=social", "/ideas/\(id)"] {
            let again = try client.request("GET", target, headers: html)
            XCTAssertEqual(again.body, first.body, target)
        }
        XCTAssertEqual(service.app.context.webPageCache.count, kept + 1, "one kept page for all of them")
        let other = try client.request("GET", "/ideas/\(id)?view=1&utm_source=x", headers: html)
        XCTAssertEqual(other.status, 200)
        XCTAssertEqual(service.app.context.webPageCache.count, kept + 2, "another parameter is another page")
        XCTAssertTrue(other.text.contains(WebPage.queryValue("/ideas/\(id)?view=1")), "kept in the links, the tag left out")
    }

    /// The search page is kept like the others: the same page again until a commit, then the new
    /// results; a reader who has it gets 304.
    func testTheSearchPageIsKeptUntilTheNextCommit() throws {
        let (_, token) = try signUp("Author")
        _ = try createIdea(token, title: "Oat milk on tap")
        let html = [("Accept", "text/html")]
        let kept = service.app.context.webPageCache.count
        let first = try client.request("GET", "/search?q=oat", headers: html)
        XCTAssertEqual(first.status, 200)
        XCTAssertTrue(first.text.contains("<mark>Oat</mark> milk on tap"))
        XCTAssertEqual(service.app.context.webPageCache.count, kept + 1, "kept")
        let again = try client.request("GET", "/search?q=oat", headers: html)
        XCTAssertEqual(again.body, first.body)
        let etag = try XCTUnwrap(again.header("ETag"))
        XCTAssertEqual(try client.request("GET", "/search?q=oat", headers: html + [("If-None-Match", etag)]).status, 304)
        _ = try createIdea(token, title: "Oat latte for all")
        let after = try client.request("GET", "/search?q=oat", headers: html)
        XCTAssertTrue(after.text.contains("<mark>Oat</mark> latte for all"), "a commit retires the kept page")
        XCTAssertTrue(after.text.contains("<mark>Oat</mark> milk on tap"))
        let korean = try client.request("GET", "/search?q=oat", headers: html + [("Accept-Language", "ko")])
        XCTAssertTrue(korean.text.contains("<html lang=\"ko\">"), "the language is part of the key")
    }

    /// The search page's lists outlive votes that leave them as they are (their list's shape):
    /// newest first and by relevance any vote for an idea they do not show, by votes a vote that
    /// does not bring an idea past the page's last; any other vote retires them.
    func testSearchPagesOutliveVotesThatLeaveTheirListsAsTheyAre() throws {
        let (_, author) = try signUp("Author")
        var ideas: [Int] = []
        for n in 1...25 { ideas.append(try createIdea(author, title: "Kettle \(n)", category: n <= 20 ? "tea" : "coffee")["id"] as! Int) }
        let voters = try (1...3).map { try signUp("Voter \($0)").token }
        for id in ideas[0..<20] {
            for voter in voters[0...1] { XCTAssertEqual(try client.post("/ideas/\(id)/votes", [:], token: voter).status, 201) }
        }
        let html = [("Accept", "text/html")]
        let pages = ["/search?sort=top", "/search?category=coffee", "/search?q=kettle&category=coffee"]
        for path in pages { XCTAssertEqual(try client.request("GET", path, headers: html).status, 200) }
        XCTAssertTrue(pages.allSatisfy(kept))
        XCTAssertEqual(try client.post("/ideas/\(ideas[0])/votes", [:], token: voters[2]).status, 201)
        XCTAssertFalse(kept("/search?sort=top"), "a vote for an idea it shows")
        XCTAssertEqual(kept("/search?category=coffee"), pagesOutliveVotes, "a vote for an idea in another category")
        XCTAssertEqual(kept("/search?q=kettle&category=coffee"), pagesOutliveVotes)
        XCTAssertEqual(try client.post("/ideas/\(ideas[22])/votes", [:], token: voters[0]).status, 201)
        XCTAssertFalse(kept("/search?category=coffee"), "a vote for an idea it shows")
        XCTAssertFalse(kept("/search?q=kettle&category=coffee"))
        _ = try client.request("GET", "/search?sort=top", headers: html)
        XCTAssertTrue(kept("/search?sort=top"))
        XCTAssertEqual(try client.post("/ideas/\(ideas[23])/votes", [:], token: voters[2]).status, 201)
        XCTAssertEqual(kept("/search?sort=top"), pagesOutliveVotes, "one vote stays after the last of twenty with two or more")
        XCTAssertEqual(try client.post("/ideas/\(ideas[23])/votes", [:], token: voters[0]).status, 201)
        XCTAssertFalse(kept("/search?sort=top"), "a second passes it (a newer idea with as many votes comes first)")
        XCTAssertTrue(try client.request("GET", "/search?sort=top", headers: html).text.contains("Kettle 24<"))
    }

    /// Idea pages outlive other ideas' votes on SQLite (the writer's row hooks); on PostgreSQL
    /// every kept page still ends at the next commit.
    private var pagesOutliveVotes: Bool { TestService.engine == .sqlite }

    /// Whether the anonymous page of `path` (English, uncompressed) is kept at the current commit.
    private func kept(_ path: String) -> Bool { isKept(path) }

    /// An idea page for readers who are not signed in outlives votes for other ideas (issue 14:
    /// under real traffic a vote lands every few milliseconds), and nothing else: a vote for its
    /// own idea, a comment, its author's new name each give the new page at once.
    func testAnIdeaPageOutlivesVotesForOtherIdeasAndNothingElse() throws {
        let (_, author) = try signUp("Author")
        let a = try createIdea(author, title: "Refill stations in every store")["id"] as! Int
        let b = try createIdea(author, title: "Paper straws")["id"] as! Int
        let (_, voter) = try signUp("Voter")
        let html = [("Accept", "text/html")]
        let first = try client.request("GET", "/ideas/\(a)", headers: html)
        XCTAssertEqual(first.status, 200)
        XCTAssertTrue(kept("/ideas/\(a)"))
        XCTAssertEqual(try client.post("/ideas/\(b)/votes", [:], token: voter).status, 201)
        XCTAssertEqual(kept("/ideas/\(a)"), pagesOutliveVotes, "a vote for another idea leaves the page")
        XCTAssertEqual(try client.request("GET", "/ideas/\(a)", headers: html).body, first.body)
        XCTAssertEqual(try client.request("PATCH", "/me", json: ["language": "ko"], token: voter).status, 200)
        XCTAssertEqual(kept("/ideas/\(a)"), pagesOutliveVotes, "a customer's change that no page shows leaves it")
        service.app.purgeExpiredData()
        XCTAssertEqual(kept("/ideas/\(a)"), pagesOutliveVotes, "the scheduler's purge (its mark in settings, address hashes) leaves it")

        XCTAssertEqual(try client.post("/ideas/\(a)/votes", [:], token: voter).status, 201)
        XCTAssertFalse(kept("/ideas/\(a)"), "a vote for its idea retires it")
        let voted = try client.request("GET", "/ideas/\(a)", headers: html)
        XCTAssertTrue(voted.text.contains("data-vote-count=\"\(a)\">1<"), voted.text)

        XCTAssertEqual(try client.post("/ideas/\(b)/comments", ["body": "Straws of pasta?"], token: voter).status, 201)
        XCTAssertFalse(kept("/ideas/\(a)"), "a comment anywhere retires it")
        XCTAssertEqual(try client.post("/ideas/\(a)/comments", ["body": "Glass bottles too"], token: voter).status, 201)
        XCTAssertTrue(try client.request("GET", "/ideas/\(a)", headers: html).text.contains("Glass bottles too"))

        XCTAssertEqual(try client.request("PATCH", "/me", json: ["name": "Renamed Author"], token: author).status, 200)
        XCTAssertTrue(try client.request("GET", "/ideas/\(a)", headers: html).text.contains("Renamed Author"), "an author's name")
        XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(a)", json: ["status": "under_review"], token: service.adminToken).status, 200)
        XCTAssertTrue(try client.request("GET", "/ideas/\(a)", headers: html).text.contains("badge status-under_review"), "a status")
    }

    /// In rounds every vote also counts in the round's row: that leaves other entries' pages; a
    /// round's new name (shown on its entries' pages) does not.
    func testAnIdeaPageInARoundOutlivesRoundVotesButNotTheRoundsNewName() throws {
        let now = Date()
        let iso = { (hours: Double) in ISO8601DateFormatter().string(from: now.addingTimeInterval(hours * 3600)) }
        func round(_ name: String, votingIn hours: Double) throws -> Int {
            let round = try client.post("/admin/rounds", [
                "name": name, "submissions_open_at": iso(-2), "submissions_close_at": iso(24), "voting_opens_at": iso(hours),
                "voting_closes_at": iso(48), "mode": "tiers", "tiers": [["name": "A", "amount": 100, "winners": 1]],
            ], token: service.adminToken)
            XCTAssertEqual(round.status, 201, round.text)
            return round.json["id"] as! Int
        }
        let voting = try round("Spring round", votingIn: -1)
        let later = try round("Summer round", votingIn: 12)
        let (_, author) = try signUp("Creator")
        func enter(_ title: String, _ roundID: Int) throws -> Int {
            let entry = try client.post("/ideas", ["title": title, "description": "d", "category": "c", "round_id": roundID, "tier": "A"],
                                        token: author)
            XCTAssertEqual(entry.status, 201, entry.text)
            return entry.json["id"] as! Int
        }
        let d = try enter("Bike library", voting), e = try enter("Tool library", voting), c = try enter("Seed library", later)
        let html = [("Accept", "text/html")]
        XCTAssertTrue(try client.request("GET", "/ideas/\(d)", headers: html).text.contains("Spring round"))
        XCTAssertTrue(try client.request("GET", "/ideas/\(c)", headers: html).text.contains("Summer round"))
        let (_, voter) = try signUp("Voter")
        XCTAssertEqual(kept("/ideas/\(d)"), pagesOutliveVotes, "a new customer is on no page")
        XCTAssertEqual(try client.post("/ideas/\(e)/votes", [:], token: voter).status, 201)
        XCTAssertEqual(kept("/ideas/\(d)"), pagesOutliveVotes, "a vote for another entry counted in the round's row")
        XCTAssertEqual(kept("/ideas/\(c)"), pagesOutliveVotes)
        XCTAssertEqual(try client.request("PATCH", "/admin/rounds/\(later)", json: ["name": "Autumn round"], token: service.adminToken).status, 200)
        XCTAssertFalse(kept("/ideas/\(c)"))
        XCTAssertTrue(try client.request("GET", "/ideas/\(c)", headers: html).text.contains("Autumn round"))
    }
}

/// What the anonymous page cache's key leaves out of a target.
final class TrackingParametersTests: XCTestCase {
    func testTrackingParametersAreLeftOutAndTheRestKept() {
        XCTAssertEqual(TrackingParameters.stripped("/ideas/5"), "/ideas/5")
        XCTAssertEqual(TrackingParameters.stripped("/ideas/5?fbclid=a"), "/ideas/5")
        XCTAssertEqual(TrackingParameters.stripped("/ideas/5?utm_source=x&utm_medium=y&utm_whatever=z"), "/ideas/5")
        XCTAssertEqual(TrackingParameters.stripped("/search?q=oat&gclid=1&page=2"), "/search?q=oat&page=2")
        XCTAssertEqual(TrackingParameters.stripped("/search?fbclid&q=%EC%A0%95"), "/search?q=%EC%A0%95", "a name without a value")
        XCTAssertEqual(TrackingParameters.stripped("/search?q=utm_source&FBCLID=1"), "/search?q=utm_source&FBCLID=1",
                       "values and other spellings are not names of trackers")
        XCTAssertEqual(TrackingParameters.stripped("/search?q=a&&b=1"), "/search?q=a&&b=1", "a query with nothing to strip is untouched")
        XCTAssertEqual(TrackingParameters.stripped("/x?"), "/x?")
        XCTAssertEqual(TrackingParameters.stripped("/x?utm_source="), "/x")
        XCTAssertEqual(TrackingParameters.stripped("/search?q=%EC%A0%95&fbclid=2&sort=top"), "/search?q=%EC%A0%95&sort=top", "in the middle")
        XCTAssertEqual(TrackingParameters.stripped("/search?q=정&gclid"), "/search?q=정", "after a value that is not ASCII")
        XCTAssertEqual(TrackingParameters.stripped("/search?q=정수기&sort=top"), "/search?q=정수기&sort=top")
    }
}

/// Query values in links are percent-encoded exactly as RFC 3986 leaves unreserved characters
/// (and `/`) alone: checked against Foundation's encoder.
final class QueryValueTests: XCTestCase {
    func testQueryValuesEncodeLikeFoundation() {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/")
        for value in ["", "parks", "Parks & Rec", "a+b=c?d#e", "정원 가꾸기", "café/ü", "100%", "\u{0}\u{7f}", "😀 ok", "~/-._"] {
            XCTAssertEqual(WebPage.queryValue(value), value.addingPercentEncoding(withAllowedCharacters: allowed), value)
        }
        XCTAssertEqual(WebPage.queryValue("정"), "%EC%A0%95")
    }

}
