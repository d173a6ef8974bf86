import Foundation
import TestSupport
import XCTest

/// Webhooks end to end: the real binary, a real HTTP receiver (Tests/Peers/webhook_receiver.py)
/// that checks Standard Webhooks signatures independently and fails on request.
final class WebhookTests: XCTestCase {
    let admin = "delivery-admin"
    var directory: URL!
    var receiver: PeerProcess!
    var hooksFile: String { directory.appendingPathComponent("hooks.jsonl").path }
    var secretFile: String { directory.appendingPathComponent("secret").path }
    var db: String { directory.appendingPathComponent("db.sqlite").path }

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("webhooks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        receiver = try PeerProcess(executable: "/usr/bin/python3",
                                   arguments: [Peers.script("webhook_receiver.py"), "--out", hooksFile, "--secret-file", secretFile])
    }

    override func tearDownWithError() throws {
        receiver?.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    func hook(_ path: String) -> String { "http://127.0.0.1:\(receiver.port)\(path)" }

    func createWebhook(_ client: TestClient, path: String, types: [String]) throws -> (id: Int, secret: String) {
        let response = try client.post("/admin/webhooks", ["url": hook(path), "event_types": types], token: admin)
        XCTAssertEqual(response.status, 201, response.text)
        let secret = response.json["secret"] as! String
        try secret.write(toFile: secretFile, atomically: true, encoding: .utf8)
        return (response.json["id"] as! Int, secret)
    }

    func received(_ path: String? = nil) -> [[String: Any]] {
        Peers.records(hooksFile).filter { path == nil || ($0["path"] as? String) == path }
    }

    func body(_ record: [String: Any]) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data((record["body"] as! String).utf8))) as? [String: Any] ?? [:]
    }

    func testEveryEventTypeArrivesSignedOnceWithAStableID() throws {
        let server = try PeerProcess.groundswell(db: db, ["--webhooks-allow-private"])
        defer { server.stop() }
        let client = TestClient(port: server.port)
        let all = ["idea.created", "idea.status_changed", "idea.merged", "comment.created", "vote.milestone",
                   "round.opened", "round.closed", "flag.created"]
        let webhook = try createWebhook(client, path: "/ok", types: all)
        // The secret is shown once: never in the list or the webhook itself.
        XCTAssertFalse(try client.get("/admin/webhooks", token: admin).text.contains("whsec_"))
        XCTAssertFalse(try client.get("/admin/webhooks/\(webhook.id)", token: admin).text.contains("whsec_"))

        let author = try client.post("/users", ["name": "Author", "email": "author@example.com"]).json["token"] as! String
        let idea = try client.post("/ideas", ["title": "Solar roof for the store", "description": "d", "category": "green"], token: author).json["id"] as! Int
        let other = try client.post("/ideas", ["title": "Solar panels on the roof", "description": "d", "category": "green"], token: author).json["id"] as! Int
        XCTAssertEqual(try client.post("/ideas/\(idea)/comments", ["body": "좋아요"], token: author).status, 201)
        XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(idea)", json: ["status": "under_review", "note": "Looking"], token: admin).status, 200)
        XCTAssertEqual(try client.post("/ideas/\(idea)/flags", ["reason": "spam?"], token: author).status, 201)
        for i in 0..<10 {
            let voter = try client.post("/users", ["name": "V\(i)", "email": "v\(i)@example.com"]).json["token"] as! String
            XCTAssertEqual(try client.post("/ideas/\(idea)/votes", token: voter).status, 201)
        }
        XCTAssertEqual(try client.post("/admin/ideas/\(other)/merge", ["into": idea], token: admin).status, 200)
        let round = try client.post("/admin/rounds", [
            "name": "Webhook round", "submissions_open_at": "2026-01-01T00:00:00Z", "submissions_close_at": "2026-01-02T00:00:00Z",
            "voting_opens_at": "2026-01-02T00:00:00Z", "voting_closes_at": "2030-01-01T00:00:00Z", "mode": "budget", "budget": 1000,
        ], token: admin)
        XCTAssertEqual(round.status, 201, round.text)
        let roundID = round.json["id"] as! Int
        XCTAssertTrue(Peers.wait(10) { self.received().contains { self.body($0)["type"] as? String == "round.opened" } })
        XCTAssertEqual(try client.post("/admin/rounds/\(roundID)/close", token: admin).status, 200)
        // A change that is refused emits nothing.
        XCTAssertEqual(try client.post("/ideas", ["title": "", "description": "d", "category": "green"], token: author).status, 400)

        XCTAssertTrue(Peers.wait(15) { Set(self.received().compactMap { self.body($0)["type"] as? String }).count == all.count },
                      "\(received().map { body($0)["type"] ?? "?" })")
        Thread.sleep(forTimeInterval: 0.5)
        let records = received()
        let types = records.map { body($0)["type"] as! String }
        XCTAssertEqual(types.filter { $0 == "idea.created" }.count, 2)
        XCTAssertEqual(types.filter { $0 == "vote.milestone" }.count, 1)
        for record in records {
            XCTAssertEqual(record["valid_signature"] as? Bool, true, "\(record)")
            let headers = record["headers"] as! [String: String]
            XCTAssertTrue(headers["webhook-id"]!.hasPrefix("msg_"))
            XCTAssertEqual(headers["content-type"], "application/json")
            let timestamp = Double(headers["webhook-timestamp"]!)!
            XCTAssertLessThan(abs(timestamp - Date().timeIntervalSince1970), 120)
            XCTAssertNotNil(body(record)["timestamp"])
            XCTAssertNotNil(body(record)["data"])
        }
        XCTAssertEqual(Set(records.map { ($0["headers"] as! [String: String])["webhook-id"]! }).count, records.count)
        let milestone = records.map(body).first { $0["type"] as? String == "vote.milestone" }!["data"] as! [String: Any]
        XCTAssertEqual(milestone["milestone"] as? Int, 10)
        XCTAssertEqual((milestone["idea"] as! [String: Any])["id"] as? Int, idea)
        let status = records.map(body).first { $0["type"] as? String == "idea.status_changed" }!["data"] as! [String: Any]
        XCTAssertEqual(status["to"] as? String, "under_review")
        XCTAssertEqual(status["note"] as? String, "Looking")
        let closed = records.map(body).first { $0["type"] as? String == "round.closed" }!["data"] as! [String: Any]
        XCTAssertNotNil(closed["awards"] as? [Any])

        // The delivery log shows each one: succeeded after one attempt with the receiver's 200.
        let log = try client.get("/admin/webhooks/\(webhook.id)/deliveries?limit=100", token: admin).json
        let items = log["items"] as! [[String: Any]]
        XCTAssertEqual(items.count, records.count)
        for item in items {
            XCTAssertEqual(item["state"] as? String, "succeeded")
            XCTAssertEqual(item["attempts"] as? Int, 1)
            XCTAssertEqual(item["response_status"] as? Int, 200)
            XCTAssertNotNil(item["latency_ms"] as? Int)
        }
        // The worker counts an attempt just after recording it: wait for the last count.
        let succeeded = "groundswell_outbox_attempts_total{channel=\"webhook\",result=\"succeeded\"} \(records.count)"
        XCTAssertTrue(Peers.wait(10) { ((try? client.get("/metrics", token: admin).text) ?? "").contains(succeeded) })
        let metrics = try client.get("/metrics", token: admin).text
        XCTAssertTrue(metrics.contains(succeeded), metrics)
        XCTAssertTrue(metrics.contains("groundswell_outbox_pending{channel=\"webhook\"} 0"))
    }

    func testRetriesWithBackoffThenAutoDisableAndManualRedelivery() throws {
        let server = try PeerProcess.groundswell(db: db, ["--webhooks-allow-private", "--webhook-retry-schedule", "0.3,0.3,0.3"])
        defer { server.stop() }
        let client = TestClient(port: server.port)
        let flaky = try createWebhook(client, path: "/flaky/2", types: ["idea.created"])
        let broken = try client.post("/admin/webhooks", ["url": hook("/fail"), "event_types": ["idea.created"]], token: admin).json["id"] as! Int
        let author = try client.post("/users", ["name": "Author", "email": "author@example.com"]).json["token"] as! String
        _ = try client.post("/ideas", ["title": "Retry me", "description": "d", "category": "c"], token: author)

        // Flaky: 500, 500, then 200 — the same message id each time.
        XCTAssertTrue(Peers.wait(10) { self.received("/flaky/2").count == 3 })
        let attempts = received("/flaky/2")
        XCTAssertEqual(Set(attempts.map { ($0["headers"] as! [String: String])["webhook-id"]! }).count, 1)
        let gaps = zip(attempts.dropFirst(), attempts).map { ($0["received_at"] as! Double) - ($1["received_at"] as! Double) }
        XCTAssertTrue(gaps.allSatisfy { $0 >= 0.2 }, "retries came too soon: \(gaps)")
        XCTAssertTrue(try Peers.wait(5) {
            let items = try client.get("/admin/webhooks/\(flaky.id)/deliveries", token: self.admin).json["items"] as! [[String: Any]]
            return items.first?["state"] as? String == "succeeded" && items.first?["attempts"] as? Int == 3
        })

        // Broken: four attempts, then the delivery has failed and the webhook is disabled with an alert.
        XCTAssertTrue(try Peers.wait(10) {
            (try client.get("/admin/webhooks/\(broken)", token: self.admin).json["enabled"] as? Bool) == false
        })
        XCTAssertEqual(received("/fail").count, 4)
        let state = try client.get("/admin/webhooks/\(broken)", token: admin).json
        XCTAssertTrue((state["disabled_reason"] as! String).contains("disabled after failing"), "\(state)")
        let deliveries = try client.get("/admin/webhooks/\(broken)/deliveries?state=failed", token: admin).json["items"] as! [[String: Any]]
        XCTAssertEqual(deliveries.count, 1)
        XCTAssertEqual(deliveries[0]["response_status"] as? Int, 500)
        XCTAssertEqual(deliveries[0]["attempts"] as? Int, 4)
        let alerts = try client.get("/admin/alerts", token: admin).json["items"] as! [[String: Any]]
        XCTAssertEqual(alerts.first?["kind"] as? String, "webhook_disabled")
        XCTAssertEqual(alerts.first?["webhook_id"] as? Int, broken)
        // A disabled webhook gets no new events, and cannot redeliver until enabled.
        _ = try client.post("/ideas", ["title": "After disable", "description": "d", "category": "c"], token: author)
        let deliveryID = deliveries[0]["id"] as! Int
        let refused = try client.post("/admin/webhooks/\(broken)/deliveries/\(deliveryID)/redeliver", token: admin)
        XCTAssertEqual(refused.status, 409)
        XCTAssertEqual(refused.errorCode, "webhook_disabled")
        XCTAssertEqual(try client.request("PATCH", "/admin/webhooks/\(broken)", json: ["enabled": true, "url": hook("/ok")], token: admin).status, 200)
        let redelivered = try client.post("/admin/webhooks/\(broken)/deliveries/\(deliveryID)/redeliver", token: admin)
        XCTAssertEqual(redelivered.status, 202, redelivered.text)
        XCTAssertTrue(Peers.wait(5) { self.received("/ok").count == 1 })
        XCTAssertEqual((received("/ok")[0]["headers"] as! [String: String])["webhook-id"],
                       (received("/fail")[0]["headers"] as! [String: String])["webhook-id"])
        XCTAssertEqual(try client.post("/admin/webhooks/\(broken)/deliveries/999999/redeliver", token: admin).status, 404)
        XCTAssertEqual(try client.post("/admin/alerts/\(alerts[0]["id"] as! Int)/resolve", token: admin).status, 204)
        XCTAssertEqual((try client.get("/admin/alerts", token: admin).json["items"] as! [Any]).count, 0)
    }

    func testSlowReceiverTimesOutWithoutHoldingOthers() throws {
        let server = try PeerProcess.groundswell(db: db, ["--webhooks-allow-private", "--webhook-timeout", "1",
                                                          "--webhook-retry-schedule", "60", "--delivery-threads", "2"])
        defer { server.stop() }
        let client = TestClient(port: server.port)
        let slow = try createWebhook(client, path: "/slow/5", types: ["idea.created"])
        let drip = try client.post("/admin/webhooks", ["url": hook("/drip/5"), "event_types": ["idea.created"]], token: admin).json["id"] as! Int
        let author = try client.post("/users", ["name": "Author", "email": "author@example.com"]).json["token"] as! String
        let started = Date()
        _ = try client.post("/ideas", ["title": "Slow", "description": "d", "category": "c"], token: author)
        for webhook in [slow.id, drip] {
            XCTAssertTrue(try Peers.wait(6) {
                let items = try client.get("/admin/webhooks/\(webhook)/deliveries", token: self.admin).json["items"] as! [[String: Any]]
                return items.first?["attempts"] as? Int == 1
            })
            let item = (try client.get("/admin/webhooks/\(webhook)/deliveries", token: admin).json["items"] as! [[String: Any]])[0]
            XCTAssertEqual(item["state"] as? String, "pending")
            XCTAssertTrue((item["last_error"] as! String).lowercased().contains("timed out") || (item["last_error"] as! String).contains("timeout"), "\(item)")
            XCTAssertLessThan(item["latency_ms"] as! Int, 3000)
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
    }

    func testPrivateDestinationsAreRefusedWithoutTheFlag() throws {
        let server = try PeerProcess.groundswell(db: db, [])
        defer { server.stop() }
        let client = TestClient(port: server.port)
        for url in ["http://127.0.0.1:\(receiver.port)/ok", "http://localhost/", "http://[::1]/", "http://169.254.169.254/latest/meta-data",
                    "http://10.1.2.3/", "http://192.168.0.10/", "http://[::ffff:127.0.0.1]/"] {
            let response = try client.post("/admin/webhooks", ["url": url, "event_types": ["idea.created"]], token: admin)
            XCTAssertEqual(response.status, 422, url)
            XCTAssertEqual(response.errorCode, "destination_refused", url)
        }
        for (json, code) in [(["url": "ftp://example.com/", "event_types": ["idea.created"]], "invalid_request"),
                             (["url": "https://example.com/", "event_types": ["idea.exploded"]], "unknown_event_type"),
                             (["url": "https://example.com/", "event_types": []], "invalid_request"),
                             (["url": "https://example.com/"], "invalid_request"),
                             (["url": "https://user:pw@example.com/", "event_types": ["idea.created"]], "invalid_request")] as [([String: Any], String)] {
            let response = try client.post("/admin/webhooks", json, token: admin)
            XCTAssertEqual(response.status, 400, "\(json)")
            XCTAssertEqual(response.errorCode, code, "\(json)")
        }
        let customer = try client.post("/users", ["name": "C", "email": "c@example.com"]).json["token"] as! String
        XCTAssertEqual(try client.post("/admin/webhooks", ["url": "https://example.com/", "event_types": ["idea.created"]], token: customer).status, 403)
        XCTAssertEqual(try client.get("/admin/webhooks").status, 401)
        // A name that resolves to loopback passes the form check but is refused at delivery, after DNS.
        let hosts = (try? String(contentsOfFile: "/etc/hosts", encoding: .utf8)) ?? ""
        guard hosts.contains("ip6-localhost") else { return }
        let created = try client.post("/admin/webhooks", ["url": "http://ip6-localhost:\(receiver.port)/ok", "event_types": ["idea.created"]], token: admin)
        XCTAssertEqual(created.status, 201)
        _ = try client.post("/ideas", ["title": "SSRF", "description": "d", "category": "c"], token: customer)
        let id = created.json["id"] as! Int
        XCTAssertTrue(try Peers.wait(5) {
            let items = try client.get("/admin/webhooks/\(id)/deliveries", token: self.admin).json["items"] as! [[String: Any]]
            return (items.first?["last_error"] as? String)?.contains("private destinations are refused") == true
        })
        XCTAssertTrue(received().isEmpty)
    }

    func testWebhookCRUD() throws {
        let server = try PeerProcess.groundswell(db: db, ["--webhooks-allow-private"])
        defer { server.stop() }
        let client = TestClient(port: server.port)
        let created = try createWebhook(client, path: "/ok", types: ["idea.created", "idea.created", "flag.created"])
        var shown = try client.get("/admin/webhooks/\(created.id)", token: admin).json
        XCTAssertEqual(shown["event_types"] as? [String], ["idea.created", "flag.created"])
        let rotated = try client.request("PATCH", "/admin/webhooks/\(created.id)", json: ["rotate_secret": true, "description": "CRM"], token: admin)
        XCTAssertEqual(rotated.status, 200)
        XCTAssertNotEqual(rotated.json["secret"] as? String, created.secret)
        XCTAssertEqual(rotated.header("Cache-Control"), "no-store")
        shown = try client.get("/admin/webhooks/\(created.id)", token: admin).json
        XCTAssertEqual(shown["description"] as? String, "CRM")
        XCTAssertNil(shown["secret"])
        XCTAssertEqual(try client.request("PATCH", "/admin/webhooks/\(created.id)", json: [:], token: admin).status, 400)
        XCTAssertEqual(try client.request("DELETE", "/admin/webhooks/\(created.id)", token: admin).status, 204)
        XCTAssertEqual(try client.get("/admin/webhooks/\(created.id)", token: admin).status, 404)
        XCTAssertEqual(try client.request("DELETE", "/admin/webhooks/\(created.id)", token: admin).status, 404)
        XCTAssertEqual((try client.get("/admin/webhooks", token: admin).json["items"] as! [Any]).count, 0)
        XCTAssertEqual(try client.get("/admin/webhooks/abc/deliveries", token: admin).status, 404)
    }

    /// A SIGKILL while a delivery is in flight loses nothing: after the restart the same message
    /// (same webhook-id) is sent again, and recorded once it succeeds.
    func testSIGKILLMidDeliveryLosesNothing() throws {
        var server = try PeerProcess.groundswell(db: db, ["--webhooks-allow-private", "--webhook-timeout", "10"])
        var client = TestClient(port: server.port)
        let webhook = try createWebhook(client, path: "/slow/2", types: ["comment.created"])
        let author = try client.post("/users", ["name": "Author", "email": "author@example.com"]).json["token"] as! String
        let idea = try client.post("/ideas", ["title": "Crash", "description": "d", "category": "c"], token: author).json["id"] as! Int
        XCTAssertEqual(try client.post("/ideas/\(idea)/comments", ["body": "in flight"], token: author).status, 201)
        XCTAssertTrue(Peers.wait(5) { self.received().count == 1 })
        server.kill()
        server = try PeerProcess.groundswell(db: db, ["--webhooks-allow-private", "--webhook-timeout", "10"])
        defer { server.stop() }
        client = TestClient(port: server.port)
        XCTAssertTrue(try Peers.wait(10) {
            let items = try client.get("/admin/webhooks/\(webhook.id)/deliveries", token: self.admin).json["items"] as! [[String: Any]]
            return items.first?["state"] as? String == "succeeded"
        })
        let records = received()
        XCTAssertGreaterThanOrEqual(records.count, 2)
        XCTAssertEqual(Set(records.map { ($0["headers"] as! [String: String])["webhook-id"]! }).count, 1)
        XCTAssertTrue(records.allSatisfy { $0["valid_signature"] as? Bool == true })
    }
}
