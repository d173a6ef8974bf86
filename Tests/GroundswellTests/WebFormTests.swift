import Compression
import Foundation
import TestSupport
import XCTest
@testable import Groundswell

/// The web site's pages and forms through the real server (issue 15): one URL for a page and
/// its JSON, forms that go through the API's handlers, CSRF on every form, gzip and ETags.
/// The browser tests (Tests/Browser) drive the same pages in Chromium.
final class WebFormTests: ServiceTestCase {
    let html = [("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")]

    /// A browser: its cookies, and the CSRF token of the last page it read.
    final class Browser {
        var cookies: [String: String] = [:]
        var csrf = ""
        var header: (String, String) { ("Cookie", cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")) }

        func remember(_ response: ClientResponse) {
            for line in response.headers where line.0.lowercased() == "set-cookie" {
                let pair = line.1.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let value = pair.count > 1 ? String(pair[1]) : ""
                if value.isEmpty || line.1.contains("Max-Age=0") { cookies.removeValue(forKey: String(pair[0])) } else { cookies[String(pair[0])] = value }
            }
            if let range = response.text.range(of: #"name="_csrf" value="([0-9a-f]+)""#, options: .regularExpression) {
                csrf = String(response.text[range].split(separator: "\"")[3])
            }
        }
    }

    func get(_ path: String, _ browser: Browser, headers: [(String, String)] = []) throws -> ClientResponse {
        let response = try client.request("GET", path, headers: html + [browser.header] + headers)
        browser.remember(response)
        return response
    }

    func post(_ path: String, _ browser: Browser, _ fields: [(String, String)], csrf: String? = nil) throws -> ClientResponse {
        let body = (fields + [("_csrf", csrf ?? browser.csrf)]).map { "\($0.0)=\(Self.encode($0.1))" }.joined(separator: "&")
        let response = try client.request("POST", path, body: Array(body.utf8),
                                          headers: html + [browser.header, ("Content-Type", "application/x-www-form-urlencoded")])
        browser.remember(response)
        return response
    }

    static func encode(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value
    }

    /// Signs up through the form; the browser is then signed in.
    func signUpInBrowser(_ name: String, email: String, password: String = "correct horse battery") throws -> Browser {
        let browser = Browser()
        XCTAssertEqual(try get("/signup", browser).status, 200)
        XCTAssertFalse(browser.csrf.isEmpty)
        let response = try post("/signup", browser, [("name", name), ("email", email), ("password", password), ("contact_opt_in", "1")])
        XCTAssertEqual(response.status, 303, response.text)
        XCTAssertEqual(response.header("Location"), "/account")
        XCTAssertNotNil(browser.cookies["gs_session"])
        return browser
    }

    func testOneURLServesThePageOrTheJSON() throws {
        let (_, token) = try signUp()
        let id = try createIdea(token, title: "Oat <milk>")["id"] as! Int
        let json = try client.get("/ideas/\(id)")
        XCTAssertEqual(json.header("Content-Type"), "application/json; charset=utf-8", "no Accept: JSON, as before")
        let star = try client.request("GET", "/ideas/\(id)", headers: [("Accept", "*/*")])
        XCTAssertEqual(star.header("Content-Type"), "application/json; charset=utf-8")
        let both = try client.request("GET", "/ideas/\(id)", headers: [("Accept", "application/json, text/html;q=0.5")])
        XCTAssertEqual(both.header("Content-Type"), "application/json; charset=utf-8")
        let page = try client.request("GET", "/ideas/\(id)", headers: html)
        XCTAssertEqual(page.status, 200)
        XCTAssertEqual(page.header("Content-Type"), "text/html; charset=utf-8")
        XCTAssertTrue(page.text.contains("<h1>Oat &lt;milk&gt;</h1>"))
        XCTAssertTrue(page.text.contains(#"<meta property="og:title" content="Oat &lt;milk&gt;">"#), "a share card")
        XCTAssertEqual(try client.request("GET", "/ideas/abc", headers: html).header("Content-Type"), "text/html; charset=utf-8")
        XCTAssertTrue(page.header("Vary")!.contains("Accept"))
        XCTAssertEqual(try client.request("GET", "/ideas/999", headers: html).status, 404)
        XCTAssertTrue(try client.request("GET", "/ideas/999", headers: html).text.contains("not_found"))
        XCTAssertEqual(try client.request("GET", "/rounds", headers: html).header("Content-Type"), "text/html; charset=utf-8")
        XCTAssertEqual(try client.get("/rounds").header("Content-Type"), "application/json; charset=utf-8")
        let missing = try client.request("GET", "/no/such/page", headers: html)
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(missing.header("Content-Type"), "text/html; charset=utf-8")
        XCTAssertTrue(missing.text.contains("not_found"))
        XCTAssertEqual(try client.get("/no/such/page").header("Content-Type"), "application/json; charset=utf-8")
    }

    func testSignUpVoteCommentAndSignOutThroughForms() throws {
        let (_, token) = try signUp("Author")
        let id = try createIdea(token, title: "두유 라떼 옵션", description: "라떼에 두유를 넣어 주세요.")["id"] as! Int
        let browser = try signUpInBrowser("민지", email: "minji@example.com")
        let account = try get("/account", browser)
        XCTAssertEqual(account.status, 200)
        XCTAssertTrue(account.text.contains("Welcome!"), "the notice after sign-up")
        XCTAssertTrue(account.text.contains("민지"))
        XCTAssertEqual(account.header("Cache-Control"), "private, no-cache")

        // Vote, then take it back: the count follows, and the API agrees.
        _ = try get("/ideas/\(id)", browser)
        let voted = try post("/ideas/\(id)/vote", browser, [("action", "vote")])
        XCTAssertEqual(voted.status, 303)
        XCTAssertEqual(voted.header("Location"), "/ideas/\(id)")
        XCTAssertEqual(try client.get("/ideas/\(id)").json["votes"] as? Int, 1)
        let after = try get("/ideas/\(id)", browser)
        XCTAssertTrue(after.text.contains("Your vote is counted."))
        XCTAssertTrue(after.text.contains(#"value="unvote""#))
        XCTAssertEqual(try post("/ideas/\(id)/vote", browser, [("action", "vote")]).status, 409, "already voted")
        XCTAssertEqual(try post("/ideas/\(id)/vote", browser, [("action", "unvote")]).status, 303)
        XCTAssertEqual(try client.get("/ideas/\(id)").json["votes"] as? Int, 0)

        // A comment; an empty one comes back with the error and a 400.
        let comment = try post("/ideas/\(id)/comment", browser, [("body", "좋은 생각이에요 <b>!</b>")])
        XCTAssertEqual(comment.status, 303)
        XCTAssertTrue(comment.header("Location")!.hasPrefix("/ideas/\(id)#comment-"))
        XCTAssertTrue(try get("/ideas/\(id)", browser).text.contains("좋은 생각이에요 &lt;b&gt;!&lt;/b&gt;"))
        let empty = try post("/ideas/\(id)/comment", browser, [("body", "   ")])
        XCTAssertEqual(empty.status, 400)
        XCTAssertTrue(empty.text.contains("invalid_request"))

        // Sign out: the session ends on the server, not only in the browser.
        let session = browser.cookies["gs_session"]!
        XCTAssertEqual(try post("/signout", browser, []).status, 303)
        XCTAssertNil(browser.cookies["gs_session"])
        XCTAssertEqual(try client.request("GET", "/me", headers: [("Cookie", "gs_session=" + session)]).status, 401)
    }

    func testFormsWithoutTheirCSRFTokenAreRefused() throws {
        let (_, token) = try signUp("Author")
        let id = try createIdea(token)["id"] as! Int
        let browser = try signUpInBrowser("Ann", email: "ann@example.com")
        for (path, fields) in [("/ideas/\(id)/vote", [("action", "vote")]), ("/ideas/\(id)/comment", [("body", "hi")]),
                               ("/ideas/new", [("title", "A new idea"), ("description", "d"), ("category", "drinks")]),
                               ("/account/delete", [("confirm", "DELETE")])] {
            for csrf in ["", "0123456789abcdef0123456789abcdef0123456789abcdef"] {
                let refused = try post(path, browser, fields, csrf: csrf)
                XCTAssertEqual(refused.status, 403, path)
                XCTAssertTrue(refused.text.contains("csrf_failed"), path)
            }
        }
        XCTAssertEqual(try client.get("/ideas/\(id)").json["votes"] as? Int, 0)
        XCTAssertEqual(try client.get("/ideas/\(id)").json["comments"] as? Int, 0)
        // A visitor's form needs the token its page set in gs_csrf (double submit).
        let visitor = Browser()
        let signIn = try post("/signin", visitor, [("email", "ann@example.com"), ("password", "correct horse battery")], csrf: "x")
        XCTAssertEqual(signIn.status, 403)
        // A body that is not a form: 415.
        let json = try client.request("POST", "/signin", json: ["email": "ann@example.com"], headers: html + [browser.header])
        XCTAssertEqual(json.status, 415)
        XCTAssertTrue(json.text.contains("unsupported_media_type"))
    }

    func testSignInFailsTheSameForUnknownAndWrongAndGoesBackWhereItCameFrom() throws {
        _ = try signUpInBrowser("Ann", email: "ann@example.com")
        let browser = Browser()
        XCTAssertEqual(try get("/signin?next=/ideas/new", browser).status, 200)
        let wrong = try post("/signin", browser, [("email", "ann@example.com"), ("password", "wrong password"), ("next", "/ideas/new")])
        let unknown = try post("/signin", browser, [("email", "nobody@example.com"), ("password", "wrong password"), ("next", "/ideas/new")])
        XCTAssertEqual(wrong.status, 401)
        XCTAssertEqual(unknown.status, 401)
        XCTAssertTrue(wrong.text.contains("invalid_credentials"))
        XCTAssertEqual(wrong.text.replacingOccurrences(of: "ann@example.com", with: "X"),
                       unknown.text.replacingOccurrences(of: "nobody@example.com", with: "X"))
        let right = try post("/signin", browser, [("email", "ann@example.com"), ("password", "correct horse battery"), ("next", "/ideas/new")])
        XCTAssertEqual(right.status, 303)
        XCTAssertEqual(right.header("Location"), "/ideas/new")
        let offsite = try post("/signin", Browser(), [("email", "a@b.c")])
        XCTAssertEqual(offsite.status, 403, "no token: refused before the password is even checked")
        let fresh = Browser()
        _ = try get("/signin", fresh)
        let elsewhere = try post("/signin", fresh, [("email", "ann@example.com"), ("password", "correct horse battery"), ("next", "//evil.example")])
        XCTAssertEqual(elsewhere.header("Location"), "/", "never back to another site")
    }

    func testSubmitSearchAndAccountPages() throws {
        let (_, token) = try signUp("Author")
        _ = try createIdea(token, title: "매장에 두유 라떼", description: "두유 라떼를 주문하고 싶어요.")
        let browser = try signUpInBrowser("Ann", email: "ann@example.com")
        XCTAssertTrue(try get("/ideas/new", browser).text.contains("data-similar-form"))
        let bad = try post("/ideas/new", browser, [("title", "ab"), ("description", "my description stays"), ("category", "drinks")])
        XCTAssertEqual(bad.status, 400)
        XCTAssertTrue(bad.text.contains("my description stays"), "what was typed comes back")
        let created = try post("/ideas/new", browser, [("title", "두유 옵션 더 많이"), ("description", "귀리 우유도요"), ("category", "drinks")])
        XCTAssertEqual(created.status, 303)
        let location = try XCTUnwrap(created.header("Location"))
        XCTAssertTrue(try get(location, browser).text.contains("Your idea is shared."))

        let search = try get("/search?q=" + Self.encode("두유"), browser)
        XCTAssertEqual(search.status, 200)
        XCTAssertTrue(search.text.contains("<mark>두유</mark>"))
        XCTAssertTrue(search.text.contains("두유 옵션 더 많이") || search.text.contains("<mark>두유</mark> 옵션 더 많이"))
        let nothing = try get("/search?q=" + Self.encode("<script>없는말</script>"), browser)
        XCTAssertEqual(nothing.status, 200)
        XCTAssertFalse(nothing.text.contains("<script>없는말"))

        let account = try get("/account", browser)
        XCTAssertTrue(account.text.contains("두유 옵션 더 많이"), "my ideas")
        let export = try client.request("GET", "/account/export", headers: [browser.header])
        XCTAssertEqual(export.status, 200)
        XCTAssertEqual(export.header("Content-Disposition"), #"attachment; filename="groundswell-my-data.json""#)
        XCTAssertEqual((export.json["profile"] as? [String: Any])?["name"] as? String, "Ann")

        XCTAssertEqual(try post("/account/profile", browser, [("name", "Ann Lee")]).status, 303)
        XCTAssertTrue(try get("/account", browser).text.contains("Ann Lee"))
        XCTAssertEqual(try post("/account/delete", browser, [("confirm", "no")]).status, 400)
        let deleted = try post("/account/delete", browser, [("confirm", "DELETE")])
        XCTAssertEqual(deleted.status, 303)
        XCTAssertNil(browser.cookies["gs_session"])
        let again = Browser()
        _ = try get("/signin", again)
        XCTAssertEqual(try post("/signin", again, [("email", "ann@example.com"), ("password", "correct horse battery")]).status, 401)
    }

    func testPagesAreCompressedAndRevalidatedWithETags() throws {
        let (_, token) = try signUp("Author")
        for number in 0..<8 { _ = try createIdea(token, title: "Idea number \(number) about coffee") }
        let plain = try client.request("GET", "/", headers: html)
        let tag = try XCTUnwrap(plain.header("ETag"))
        XCTAssertTrue(tag.hasPrefix("W/\""))
        let packed = try client.request("GET", "/", headers: html + [("Accept-Encoding", "gzip, br")])
        XCTAssertEqual(packed.header("Content-Encoding"), "gzip")
        XCTAssertEqual(Gzip.decompress(packed.body), plain.body)
        XCTAssertLessThan(packed.body.count, plain.body.count)
        let again = try client.request("GET", "/", headers: html + [("If-None-Match", tag)])
        XCTAssertEqual(again.status, 304)
        XCTAssertTrue(again.body.isEmpty)
        XCTAssertEqual(again.header("ETag"), tag)
        let css = try client.request("GET", WebAssets.stylesheet.path, headers: [("Accept-Encoding", "gzip")])
        XCTAssertEqual(css.header("Content-Encoding"), "gzip")
        XCTAssertEqual(Gzip.decompress(css.body), WebAssets.stylesheet.body)
        let js = try client.get(WebAssets.script.path)
        XCTAssertEqual(js.header("Content-Type"), "text/javascript; charset=utf-8")
        XCTAssertEqual(js.header("Cache-Control"), "public, max-age=31536000, immutable")
        // Page weight on first load, compressed: HTML + CSS + JS.
        let weight = packed.body.count + (WebAssets.stylesheet.gzipped?.count ?? 0) + (WebAssets.script.gzipped?.count ?? 0)
        XCTAssertLessThan(weight, 60_000)
    }

    func testAMergedIdeaRedirectsToTheOneItWasMergedInto() throws {
        let (_, token) = try signUp("Author")
        let target = try createIdea(token, title: "Oat milk in every store")["id"] as! Int
        let duplicate = try createIdea(token, title: "Oat milk please")["id"] as! Int
        XCTAssertEqual(try client.post("/admin/ideas/\(duplicate)/merge", ["into": target], token: service.adminToken).status, 200)
        let page = try client.request("GET", "/ideas/\(duplicate)", headers: html)
        XCTAssertEqual(page.status, 303)
        XCTAssertEqual(page.header("Location"), "/ideas/\(target)")
    }

    /// The author adds a picture through the page's multipart form (its CSRF token a field of the
    /// form), sees it on the page and in the share card, and removes it; without the token, nothing.
    func testPicturesThroughTheIdeaPage() throws {
        let browser = try signUpInBrowser("Painter", email: "painter@example.com")
        let (_, token) = try signUp("Token holder")
        _ = token
        XCTAssertEqual(try get("/ideas/new", browser).status, 200)
        let created = try post("/ideas/new", browser, [("title", "Murals on the car park walls"), ("description", "Local artists paint them."),
                                                        ("category", "stores")])
        XCTAssertEqual(created.status, 303, created.text)
        let location = try XCTUnwrap(created.header("Location"))
        let id = Int(location.split(separator: "/").last ?? "") ?? 0
        var page = try get("/ideas/\(id)", browser)
        XCTAssertTrue(page.text.contains("enctype=\"multipart/form-data\""), "the author sees the upload form")
        let picture = MediaFixtures.image(.jpeg, width: 1200, height: 900)
        func send(_ fields: [(String, String)]) throws -> ClientResponse {
            try client.request("POST", "/ideas/\(id)/picture", body: MediaFixtures.form(fields: fields, file: picture),
                               headers: html + [browser.header], contentType: MediaFixtures.contentType)
        }
        let refused = try send([("alt", "no token")])
        XCTAssertEqual(refused.status, 403)
        XCTAssertTrue(refused.text.contains("csrf_failed"))
        let added = try send([("_csrf", browser.csrf), ("alt", "A mural of the harbour")])
        XCTAssertEqual(added.status, 303, added.text)
        XCTAssertEqual(added.header("Location"), "/ideas/\(id)#pictures-heading")
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM media WHERE idea_id = ?", [id]), 1)
        page = try get("/ideas/\(id)", browser)
        XCTAssertTrue(page.text.contains("alt=\"A mural of the harbour\""), "the picture is on the page")
        XCTAssertTrue(page.text.contains("property=\"og:image\""), "and in the share card")
        XCTAssertTrue(page.text.contains("summary_large_image"))
        // A file that is not a picture: the page says so with the API's code.
        let text = try client.request("POST", "/ideas/\(id)/picture",
                                      body: MediaFixtures.form(fields: [("_csrf", browser.csrf)], file: Array("hello".utf8), filename: "a.jpg"),
                                      headers: html + [browser.header], contentType: MediaFixtures.contentType)
        XCTAssertEqual(text.status, 415)
        XCTAssertTrue(text.text.contains("unsupported_media_type"))
        // Visitors see the picture, not the forms; the home page lists the idea with its thumbnail.
        let visitor = try client.request("GET", "/ideas/\(id)", headers: html)
        XCTAssertTrue(visitor.text.contains("A mural of the harbour"))
        XCTAssertFalse(visitor.text.contains("multipart/form-data"))
        XCTAssertTrue(try client.request("GET", "/", headers: html).text.contains("class=\"thumb\""))
        XCTAssertTrue(try client.request("GET", "/search?q=Murals", headers: html).text.contains("class=\"thumb\""), "search results too")
        let mediaID = try XCTUnwrap(service.scalar("SELECT id FROM media WHERE idea_id = ?", [id]))
        let removed = try post("/ideas/\(id)/picture/\(mediaID)/remove", browser, [])
        XCTAssertEqual(removed.status, 303, removed.text)
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM media"), 0)
    }
}
