import Foundation
import TestSupport
import XCTest
@testable import Groundswell

/// Share links and campaigns (issue 18, the part without media): short links, creators'
/// labelled links, first-visit attribution without addresses, votes credited to the link that
/// brought the browser, and the fraud pattern for bursts through one link.
final class CampaignTests: ServiceTestCase {
    func testShortCodes() {
        for id: Int64 in [1, 61, 62, 3_843, 1_000_000, Int64.max] {
            XCTAssertEqual(ShortCode.decode(ShortCode.encode(id)), id)
        }
        XCTAssertEqual(ShortCode.encode(62), "10")
        for bad in ["", "-1", "a b", "zzzzzzzzzzzz", "ZZZZZZZZZZZ", "é"] { XCTAssertNil(ShortCode.decode(bad), bad) }
    }

    func cookie(_ response: ClientResponse) -> String? {
        response.headers.first { $0.0.lowercased() == "set-cookie" && $0.1.hasPrefix("gs_c") }.map { $0.1.split(separator: ";")[0].description }
    }

    func testCampaignLinksCountFirstVisitsAndTheVotesTheyBring() throws {
        let (_, author) = try signUp("Creator")
        let id = try createIdea(author, title: "Community fridge")["id"] as! Int
        let code = ShortCode.encode(Int64(id))
        // Only the author makes links; labels are URL-safe; one label once.
        let created = try client.post("/ideas/\(id)/campaigns", ["label": "instagram-bio"], token: author)
        XCTAssertEqual(created.status, 201, created.text)
        XCTAssertTrue((created.json["link"] as? String)?.hasSuffix("/i/\(code)?c=instagram-bio") == true, created.text)
        assertError(try client.post("/ideas/\(id)/campaigns", ["label": "instagram-bio"], token: author), 409, "campaign_exists")
        assertError(try client.post("/ideas/\(id)/campaigns", ["label": "Has Spaces"], token: author), 400, "invalid_request")
        let (_, other) = try signUp("Other")
        assertError(try client.post("/ideas/\(id)/campaigns", ["label": "mine"], token: other), 403, "forbidden")
        assertError(try client.get("/ideas/\(id)/campaigns", token: other), 403, "forbidden")
        XCTAssertEqual(try client.get("/ideas/\(id)/campaigns", token: service.adminToken).status, 200, "staff see them")

        // A browser's first visit counts; the same browser within 7 days does not count again.
        let first = try client.get("/i/\(code)?c=instagram-bio")
        XCTAssertEqual(first.status, 303)
        XCTAssertEqual(first.header("Location"), "/ideas/\(id)")
        let arrival = try XCTUnwrap(cookie(first))
        XCTAssertTrue(first.headers.contains { $0.1.contains("HttpOnly") && $0.1.hasPrefix("gs_c") })
        let again = try client.request("GET", "/i/\(code)?c=instagram-bio", headers: [("Cookie", arrival)])
        XCTAssertEqual(again.status, 303)
        XCTAssertNil(cookie(again))
        _ = try client.get("/i/\(code)?c=instagram-bio")
        _ = try client.get("/i/\(code)?c=unknown-label")
        _ = try client.get("/i/\(code)")
        // A vote from the browser that came through the link is credited to it; taking it back un-credits it.
        let (_, voter) = try signUp("Voter")
        XCTAssertEqual(try client.request("POST", "/ideas/\(id)/votes", token: voter, headers: [("Cookie", arrival)]).status, 201)
        var items = try client.get("/ideas/\(id)/campaigns", token: author).json["items"] as! [[String: Any]]
        let plain = items.first { ($0["label"] as? String) == "" }!
        let bio = items.first { ($0["label"] as? String) == "instagram-bio" }!
        XCTAssertEqual(bio["visits"] as? Int, 2)
        XCTAssertEqual(bio["votes"] as? Int, 1)
        XCTAssertEqual(plain["visits"] as? Int, 2, "the plain link and an unknown label")
        XCTAssertEqual(plain["votes"] as? Int, 0)
        XCTAssertEqual(try client.request("DELETE", "/ideas/\(id)/votes", token: voter, headers: [("Cookie", arrival)]).status, 200)
        items = try client.get("/ideas/\(id)/campaigns", token: author).json["items"] as! [[String: Any]]
        XCTAssertEqual(items.first { ($0["label"] as? String) == "instagram-bio" }?["votes"] as? Int, 0)
        // A cookie for another idea's link, or a forged one, credits nothing.
        let otherIdea = try createIdea(other, title: "Other idea")["id"] as! Int
        XCTAssertEqual(try client.request("POST", "/ideas/\(otherIdea)/votes", token: voter,
                                          headers: [("Cookie", "gs_c\(otherIdea)=\(bio["id"] as! Int).\(Int64(Date().timeIntervalSince1970 * 1000))")]).status, 201)
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM campaign_votes"), 0)
        // Unknown and hidden ideas: 404.
        XCTAssertEqual(try client.get("/i/zzzzzz").status, 404)
        XCTAssertEqual(try client.get("/i/a-b").status, 404)
        XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(id)", json: ["hidden": true], token: service.adminToken).status, 200)
        XCTAssertEqual(try client.get("/i/\(code)").status, 404)
    }

    func testABurstOfNewAccountsThroughOneLinkIsAFraudFinding() throws {
        let (_, author) = try signUp("Creator")
        let id = try createIdea(author, title: "Vote farm target")["id"] as! Int
        XCTAssertEqual(try client.post("/ideas/\(id)/campaigns", ["label": "farm"], token: author).status, 201)
        for _ in 0..<5 {
            let arrival = cookie(try client.get("/i/\(ShortCode.encode(Int64(id)))?c=farm"))!
            let (_, fresh) = try signUp("New")
            XCTAssertEqual(try client.request("POST", "/ideas/\(id)/votes", token: fresh, headers: [("Cookie", arrival)]).status, 201)
        }
        let findings = try client.get("/admin/fraud", token: service.adminToken).json["findings"] as! [[String: Any]]
        let burst = try XCTUnwrap(findings.first { $0["pattern"] as? String == "campaign_burst" })
        XCTAssertEqual((burst["accounts"] as? [Int])?.count, 5)
        XCTAssertEqual((burst["evidence"] as? [String: Any])?["label"] as? String, "farm")
    }

    func testARoundsAnalyticsNameTheLinksThatBroughtVotes() throws {
        let now = Date()
        let iso = { (hours: Double) in ISO8601DateFormatter().string(from: now.addingTimeInterval(hours * 3600)) }
        let round = try client.post("/admin/rounds", [
            "name": "Linked round", "submissions_open_at": iso(-2), "submissions_close_at": iso(24), "voting_opens_at": iso(-1),
            "voting_closes_at": iso(48), "mode": "tiers", "tiers": [["name": "A", "amount": 100, "winners": 1]],
        ], token: service.adminToken)
        XCTAssertEqual(round.status, 201, round.text)
        let roundID = round.json["id"] as! Int
        let (_, author) = try signUp("Creator")
        let entry = try client.post("/ideas", ["title": "Bike library", "description": "d", "category": "c", "round_id": roundID, "tier": "A"],
                                    token: author)
        XCTAssertEqual(entry.status, 201, entry.text)
        let id = entry.json["id"] as! Int
        XCTAssertEqual(try client.post("/ideas/\(id)/campaigns", ["label": "newsletter"], token: author).status, 201)
        let arrival = cookie(try client.get("/i/\(ShortCode.encode(Int64(id)))?c=newsletter"))!
        let (_, voter) = try signUp("Voter")
        XCTAssertEqual(try client.request("POST", "/ideas/\(id)/votes", token: voter, headers: [("Cookie", arrival)]).status, 201)
        let rounds = try client.get("/admin/engagement?round_id=\(roundID)", token: service.adminToken).json["rounds"] as! [[String: Any]]
        let links = rounds.first?["campaigns"] as? [[String: Any]]
        XCTAssertEqual(links?.first?["label"] as? String, "newsletter")
        XCTAssertEqual(links?.first?["votes"] as? Int, 1)
        XCTAssertEqual(links?.first?["visits"] as? Int, 1)
        XCTAssertTrue(try client.get("/admin/engagement.csv?table=campaigns&round_id=\(roundID)", token: service.adminToken).text
            .contains("\(roundID),\(id),newsletter,1,1"))
    }

    /// Videos and links on ideas: the author attaches them; the page shows a play button that
    /// loads nothing from the video site until pressed (site.js then inserts the player).
    func testVideosAndLinksOnAnIdea() throws {
        let (_, author) = try signUp("Creator")
        let id = try createIdea(author, title: "Show it")["id"] as! Int
        let video = try client.post("/ideas/\(id)/links", ["url": "https://youtu.be/dQw4w9WgXcQ?si=tracking"], token: author)
        XCTAssertEqual(video.status, 201, video.text)
        XCTAssertEqual(video.json["url"] as? String, "https://www.youtube.com/watch?v=dQw4w9WgXcQ")
        XCTAssertEqual(video.json["embed_url"] as? String, "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ")
        XCTAssertEqual(try client.post("/ideas/\(id)/links", ["url": "https://example.com/plan.pdf"], token: author).json["kind"] as? String, "link")
        assertError(try client.post("/ideas/\(id)/links", ["url": "javascript:alert(1)"], token: author), 400, "invalid_request")
        let (_, other) = try signUp("Other")
        assertError(try client.post("/ideas/\(id)/links", ["url": "https://example.org"], token: other), 403, "forbidden")
        let items = try client.get("/ideas/\(id)/links").json["items"] as! [[String: Any]]
        XCTAssertEqual(items.map { $0["kind"] as? String }, ["youtube", "link"])
        let page = try client.request("GET", "/ideas/\(id)", headers: [("Accept", "text/html")])
        XCTAssertFalse(page.text.contains("<iframe"), "no player, and so no request to the video site, until play is pressed")
        XCTAssertTrue(page.text.contains(#"data-embed-src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ""#))
        XCTAssertTrue(page.header("Content-Security-Policy")!.contains("frame-src https://www.youtube-nocookie.com https://player.vimeo.com"))
        XCTAssertEqual(try client.request("DELETE", "/ideas/\(id)/links/\(items[1]["id"] as! Int)", token: other).status, 403)
        XCTAssertEqual(try client.request("DELETE", "/ideas/\(id)/links/\(items[1]["id"] as! Int)", token: service.adminToken).status, 204)
        XCTAssertEqual((try client.get("/ideas/\(id)/links").json["items"] as! [Any]).count, 1)
        XCTAssertEqual(try client.get("/ideas/999/links").status, 404)
    }
}
