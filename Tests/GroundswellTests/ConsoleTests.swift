import Foundation
import TestSupport
import XCTest
@testable import Groundswell

/// The staff console (issue 17) through the real server: sign-in with a staff token into a
/// session cookie, CSRF on every form, moderators kept out of admin pages, forms that go
/// through the API's handlers.
final class ConsoleTests: ServiceTestCase {
    let html = [("Accept", "text/html")]

    /// Signs in to the console with `token`; returns the Cookie header and the page's CSRF token.
    func signIn(_ token: String) throws -> (cookie: String, csrf: String) {
        let page = try client.request("GET", "/admin/signin", headers: html)
        XCTAssertEqual(page.status, 200)
        let visitor = page.header("Set-Cookie")!.split(separator: ";")[0].description
        let csrf = visitor.split(separator: "=")[1].description
        let signedIn = try client.request("POST", "/admin/signin", body: Array("_csrf=\(csrf)&token=\(token)".utf8),
                                          headers: html + [("Content-Type", "application/x-www-form-urlencoded"), ("Cookie", visitor)])
        XCTAssertEqual(signedIn.status, 303, signedIn.text)
        let session = signedIn.headers.first { $0.0.lowercased() == "set-cookie" && $0.1.hasPrefix("gs_staff=") }!.1
        XCTAssertTrue(session.contains("HttpOnly") && session.contains("SameSite=Strict") && session.contains("Path=/admin"))
        let cookie = session.split(separator: ";")[0].description
        let console = try client.request("GET", "/admin", headers: html + [("Cookie", cookie)])
        XCTAssertEqual(console.status, 200)
        let range = console.text.range(of: #"<meta name="csrf-token" content="([0-9a-f]+)""#, options: .regularExpression)!
        return (cookie, String(console.text[range].split(separator: "\"")[3]))
    }

    func post(_ path: String, _ session: (cookie: String, csrf: String), _ fields: String, csrf: String? = nil) throws -> ClientResponse {
        try client.request("POST", path, body: Array("_csrf=\(csrf ?? session.csrf)&\(fields)".utf8),
                           headers: html + [("Content-Type", "application/x-www-form-urlencoded"), ("Cookie", session.cookie)])
    }

    func testSignInWithAStaffTokenAndChangeAStatusThroughAForm() throws {
        XCTAssertEqual(try client.request("GET", "/admin", headers: html).header("Location"), "/admin/signin?next=/admin")
        XCTAssertEqual(try client.get("/admin/flags").status, 401, "the JSON API still answers 401")
        let bad = try client.request("POST", "/admin/signin", body: Array("_csrf=x&token=nope".utf8),
                                     headers: html + [("Content-Type", "application/x-www-form-urlencoded"), ("Cookie", "gs_csrf=x")])
        XCTAssertEqual(bad.status, 403, "a visitor token of the wrong shape is no token")
        let (_, customer) = try signUp("Author")
        let id = try createIdea(customer, title: "Reusable cups")["id"] as! Int
        let session = try signIn(service.adminToken)
        let page = try client.request("GET", "/admin/ideas/\(id)", headers: html + [("Cookie", session.cookie)])
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.text.contains("Reusable cups"))
        let missing = try client.request("GET", "/admin/ideas/99999", headers: html + [("Cookie", session.cookie)])
        XCTAssertEqual(missing.status, 404)
        XCTAssertTrue(missing.header("Content-Type")?.hasPrefix("text/html") ?? false, "an HTML page, as before it was read on the search thread")
        XCTAssertEqual(try post("/admin/do/ideas/\(id)/status", session, "status=under_review&note=Looking+into+it", csrf: "wrong").status, 403)
        let changed = try post("/admin/do/ideas/\(id)/status", session, "status=under_review&note=Looking+into+it")
        XCTAssertEqual(changed.status, 303)
        XCTAssertEqual(changed.header("Location"), "/admin/ideas/\(id)")
        let history = try client.get("/ideas/\(id)/history").json["items"] as! [[String: Any]]
        XCTAssertEqual(history.last?["note"] as? String, "Looking into it")
        let refused = try post("/admin/do/ideas/\(id)/status", session, "status=launched")
        XCTAssertEqual(refused.status, 409, "the API's lifecycle rules apply")
        XCTAssertTrue(refused.text.contains("invalid_transition"))
        // A round the API refuses comes back as the form, as typed, with the reason.
        let round = try post("/admin/do/rounds", session, "name=Spring+%3Cgrants%3E&tiers=5K%2C+lots%2C+2&currency=USD")
        XCTAssertEqual(round.status, 400)
        XCTAssertTrue(round.text.contains("invalid_request"))
        XCTAssertTrue(round.text.contains(#"value="Spring &lt;grants&gt;""#))
        XCTAssertTrue(round.text.contains("5K, lots, 2"))
        // The session also works for the JSON API, with the CSRF header on changes.
        XCTAssertEqual(try client.request("GET", "/admin/flags", headers: [("Cookie", session.cookie)]).status, 200)
        XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(id)", json: ["hidden": true], headers: [("Cookie", session.cookie)]).status, 403)
        // Signing out ends it.
        XCTAssertEqual(try post("/admin/signout", session, "").status, 303)
        XCTAssertEqual(try client.request("GET", "/admin/flags", headers: [("Cookie", session.cookie)]).status, 401)
    }

    func testModeratorsSeeWhatModeratorsMayDo() throws {
        let token = try client.post("/admin/staff", ["name": "Mo", "role": "moderator"], token: service.adminToken).json["token"] as! String
        let session = try signIn(token)
        for path in ["/admin", "/admin/moderation", "/admin/users", "/admin/rounds", "/admin/fraud"] {
            XCTAssertEqual(try client.request("GET", path, headers: html + [("Cookie", session.cookie)]).status, 200, path)
        }
        for path in ["/admin/staff", "/admin/categories", "/admin/webhooks"] {
            let page = try client.request("GET", path, headers: html + [("Cookie", session.cookie)])
            XCTAssertEqual(page.status, 403, path)
            XCTAssertEqual(page.header("Content-Type"), "text/html; charset=utf-8")
        }
        let home = try client.request("GET", "/admin", headers: html + [("Cookie", session.cookie)])
        XCTAssertFalse(home.text.contains("href=\"/admin/staff\""), "no link to what they cannot use")
        XCTAssertEqual(try post("/admin/do/categories", session, "name=Drinks").status, 403)
        XCTAssertEqual((try client.get("/categories").json["items"] as? [Any])?.count, 0)
    }

    func testTheAnalyticsPageDrawsAccessibleCharts() throws {
        let (_, customer) = try signUp("Author")
        _ = try createIdea(customer)
        let session = try signIn(service.adminToken)
        let page = try client.request("GET", "/admin?interval=day", headers: html + [("Cookie", session.cookie)])
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.text.contains("<svg class=\"chart\""))
        XCTAssertTrue(page.text.contains("role=\"img\" aria-labelledby=\"ladder-chart-title ladder-chart-desc\""))
        XCTAssertTrue(page.text.contains("/admin/engagement.csv?table=ladder"))
        XCTAssertTrue(page.text.contains("Figures as of <time datetime=\""), "when the kept report's data was read")
        XCTAssertEqual(page.header("Content-Security-Policy"), WebPage.contentSecurityPolicy)
        XCTAssertEqual(try client.request("GET", "/admin?interval=year", headers: html + [("Cookie", session.cookie)]).status, 400)
        // The same URL for JSON clients where the API has one.
        XCTAssertEqual(try client.get("/admin/users/1", token: service.adminToken).header("Content-Type"), "application/json; charset=utf-8")
        XCTAssertEqual(try client.request("GET", "/admin/users/1", headers: html + [("Cookie", session.cookie)]).header("Content-Type"),
                       "text/html; charset=utf-8")
    }

    /// A flagged picture shows in the queue; staff remove it from the idea's console page.
    func testFlaggedPicturesInTheQueueAndRemovalFromTheIdeaPage() throws {
        let (_, author) = try signUp("Photographer")
        let (_, reader) = try signUp("Reader")
        let id = try createIdea(author, title: "A rooftop garden for staff")["id"] as! Int
        let uploaded = try client.request("POST", "/ideas/\(id)/media", body: MediaFixtures.form(file: MediaFixtures.image(.jpeg)),
                                          token: author, contentType: MediaFixtures.contentType)
        XCTAssertEqual(uploaded.status, 201, uploaded.text)
        let mediaID = uploaded.json["id"] as! Int
        XCTAssertEqual(try client.post("/media/\(mediaID)/flags", ["reason": "someone else's photo"], token: reader).status, 201)
        let session = try signIn(service.adminToken)
        let queue = try client.request("GET", "/admin/moderation", headers: html + [("Cookie", session.cookie)])
        XCTAssertTrue(queue.text.contains((uploaded.json["thumbnail"] as! [String: Any])["url"] as! String), "the reported picture is shown")
        let page = try client.request("GET", "/admin/ideas/\(id)", headers: html + [("Cookie", session.cookie)])
        XCTAssertTrue(page.text.contains("/admin/do/ideas/\(id)/media/\(mediaID)/remove"))
        let removed = try post("/admin/do/ideas/\(id)/media/\(mediaID)/remove", session, "x=1")
        XCTAssertEqual(removed.status, 303, removed.text)
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM media"), 0)
        XCTAssertEqual(try client.get(uploaded.json["url"] as! String).status, 404)
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'media.remove'"), 1)
    }
}
