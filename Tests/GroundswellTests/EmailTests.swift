import Foundation
import TestSupport
import XCTest

/// Email end to end: the real binary sends through libcurl to a real SMTP server on loopback
/// (aiosmtpd, Tests/Peers/smtp_sink.py), which parses every message with Python's email package.
final class EmailTests: XCTestCase {
    let admin = "delivery-admin"
    var directory: URL!
    var sink: PeerProcess!
    var mailFile: String { directory.appendingPathComponent("mail.jsonl").path }
    var db: String { directory.appendingPathComponent("db.sqlite").path }

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("email-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        sink?.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    func startSink(_ extra: [String] = []) throws {
        sink = try PeerProcess(executable: try Peers.venvPython, arguments: [Peers.script("smtp_sink.py"), "--out", mailFile] + extra)
    }

    func mail(to address: String? = nil) -> [[String: Any]] {
        Peers.records(mailFile).filter { address == nil || ($0["rcpt_tos"] as? [String]) == [address!] }
    }

    func signUp(_ client: TestClient, _ name: String, _ email: String, optIn: Bool, language: String? = nil) throws -> String {
        var body: [String: Any] = ["name": name, "email": email, "contact_opt_in": optIn]
        if let language { body["language"] = language }
        let response = try client.post("/users", body)
        XCTAssertEqual(response.status, 201, response.text)
        return response.json["token"] as! String
    }

    func testImmediateEmailInEachLanguageWithOneClickUnsubscribe() throws {
        try startSink()
        let server = try PeerProcess.groundswell(db: db, ["--smtp-url", "smtp://127.0.0.1:\(sink.port)", "--mail-from", "ideas@shop.example",
                                                          "--public-url", "https://ideas.shop.example/"])
        defer { server.stop() }
        let client = TestClient(port: server.port)
        let minji = try signUp(client, "김민지", "minji@example.com", optIn: true, language: "ko")
        let ann = try signUp(client, "Ann <b>", "ann@example.com", optIn: true)
        let quiet = try signUp(client, "Quiet", "quiet@example.com", optIn: false)
        let idea = try client.post("/ideas", ["title": "매장에 콘센트를 더 많이", "description": "d", "category": "store"], token: minji).json["id"] as! Int
        XCTAssertEqual(try client.post("/ideas/\(idea)/follow", token: ann).status / 100, 2)
        XCTAssertEqual(try client.post("/ideas/\(idea)/follow", token: quiet).status / 100, 2)
        XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(idea)", json: ["status": "under_review", "note": "곧 <검토> 하겠습니다"], token: admin).status, 200)

        XCTAssertTrue(Peers.wait(10) { self.mail().count == 2 })
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertTrue(mail(to: "quiet@example.com").isEmpty, "no email without contact_opt_in")
        let korean = try XCTUnwrap(mail(to: "minji@example.com").first)
        XCTAssertEqual(korean["subject"] as? String, "‘매장에 콘센트를 더 많이’ 아이디어의 상태가 ‘검토 중’(으)로 바뀌었습니다")
        XCTAssertTrue((korean["text"] as! String).contains("운영팀의 메모: 곧 <검토> 하겠습니다"))
        XCTAssertTrue((korean["html"] as! String).contains("곧 &lt;검토&gt; 하겠습니다"))
        XCTAssertTrue((korean["html"] as! String).contains("<html lang=\"ko\">"))
        XCTAssertTrue((korean["text"] as! String).contains("https://ideas.shop.example/ideas/\(idea)"))
        XCTAssertEqual(korean["mail_from"] as? String, "ideas@shop.example")
        let english = try XCTUnwrap(mail(to: "ann@example.com").first)
        XCTAssertEqual(english["subject"] as? String, "“매장에 콘센트를 더 많이” is now under review")
        XCTAssertTrue((english["html"] as! String).contains("Hello Ann &lt;b&gt;,"))
        XCTAssertTrue((english["text"] as! String).contains("Hello Ann <b>,"))
        for message in [korean, english] {
            let headers = message["headers"] as! [String: String]
            XCTAssertEqual(headers["list-unsubscribe-post"], "List-Unsubscribe=One-Click")
            XCTAssertTrue(headers["list-unsubscribe"]!.hasPrefix("<https://ideas.shop.example/unsubscribe/"))
            XCTAssertTrue(headers["list-unsubscribe"]!.hasSuffix("?kind=status_changed>"))
            XCTAssertTrue(headers["message-id"]!.hasSuffix("@shop.example>"))
            XCTAssertEqual(headers["auto-submitted"], "auto-generated")
            XCTAssertLessThanOrEqual(message["longest_line"] as! Int, 998)
        }

        // One click (RFC 8058) on the Korean customer's link, without signing in: a GET changes nothing.
        let link = (korean["headers"] as! [String: String])["list-unsubscribe"]!.dropFirst().dropLast()
        let path = String(link.dropFirst("https://ideas.shop.example".count))
        let page = try client.get(path)
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.text.contains("lang=\"ko\""))
        XCTAssertTrue(page.header("Content-Security-Policy")!.contains("default-src 'none'"))
        XCTAssertEqual(try client.get("/me", token: minji).json["email_preferences"] as? [String: String],
                       ["status_changed": "immediately", "comment": "daily", "merged": "immediately", "round_result": "immediately", "staff_reply": "immediately"])
        let clicked = try client.request("POST", path, body: Array("List-Unsubscribe=One-Click".utf8),
                                         headers: [("Content-Type", "application/x-www-form-urlencoded")])
        XCTAssertEqual(clicked.status, 200, clicked.text)
        XCTAssertEqual((try client.get("/me", token: minji).json["email_preferences"] as! [String: String])["status_changed"], "never")
        XCTAssertEqual(try client.post("/unsubscribe/" + String(repeating: "0", count: 48)).status, 404)
        XCTAssertEqual(try client.get("/unsubscribe/short").status, 404)
        XCTAssertEqual(try client.request("POST", path.replacingOccurrences(of: "status_changed", with: "nonsense")).status, 400)

        XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(idea)", json: ["status": "accepted"], token: admin).status, 200)
        XCTAssertTrue(Peers.wait(10) { self.mail(to: "ann@example.com").count == 2 })
        Thread.sleep(forTimeInterval: 0.5)
        XCTAssertEqual(mail(to: "minji@example.com").count, 1, "unsubscribed from status changes")
        // In-app notifications are not affected by email choices.
        XCTAssertEqual(try client.get("/me/notifications", token: minji).json["unread_count"] as? Int, 2)
    }

    func testDailyDigestCollectsAndNeverMeansNever() throws {
        try startSink()
        let server = try PeerProcess.groundswell(db: db, ["--smtp-url", "smtp://127.0.0.1:\(sink.port)", "--digest-interval", "1.5"])
        defer { server.stop() }
        let client = TestClient(port: server.port)
        let author = try signUp(client, "Author", "author@example.com", optIn: true)
        let muted = try signUp(client, "Muted", "muted@example.com", optIn: true)
        let talker = try signUp(client, "Talker", "talker@example.com", optIn: false)
        XCTAssertEqual(try client.request("PATCH", "/me", json: ["email_preferences": ["comment": "never"]], token: muted).status, 200)
        let bad = try client.request("PATCH", "/me", json: ["email_preferences": ["comment": "hourly"]], token: muted)
        XCTAssertEqual(bad.status, 400)
        XCTAssertEqual(try client.request("PATCH", "/me", json: ["email_preferences": ["gossip": "never"]], token: muted).status, 400)
        XCTAssertEqual(try client.request("PATCH", "/me", json: ["language": "fr"], token: muted).status, 400)
        let idea = try client.post("/ideas", ["title": "Longer opening hours", "description": "d", "category": "store"], token: author).json["id"] as! Int
        XCTAssertEqual(try client.post("/ideas/\(idea)/follow", token: muted).status / 100, 2)
        for text in ["First comment", "Second comment", "Third comment"] {
            XCTAssertEqual(try client.post("/ideas/\(idea)/comments", ["body": text], token: talker).status, 201)
        }
        XCTAssertTrue(Peers.wait(10) { !self.mail(to: "author@example.com").isEmpty })
        Thread.sleep(forTimeInterval: 2)
        let digests = mail(to: "author@example.com")
        XCTAssertEqual(digests.count, 1, "one digest for three comments")
        XCTAssertEqual(digests[0]["subject"] as? String, "Your Groundswell digest: 3 updates")
        for text in ["First comment", "Second comment", "Third comment"] {
            XCTAssertTrue((digests[0]["text"] as! String).contains("Talker: \(text)"))
        }
        XCTAssertFalse((digests[0]["headers"] as! [String: String])["list-unsubscribe"]!.contains("kind="))
        XCTAssertTrue(mail(to: "muted@example.com").isEmpty)
        XCTAssertTrue(mail(to: "talker@example.com").isEmpty)
    }

    func testATemporaryFailureIsRetriedAndAnErasedAccountGetsNothing() throws {
        try startSink(["--fail-first", "1"])
        let server = try PeerProcess.groundswell(db: db, ["--smtp-url", "smtp://127.0.0.1:\(sink.port)", "--email-retry-schedule", "0.3,0.3"])
        defer { server.stop() }
        let client = TestClient(port: server.port)
        let author = try signUp(client, "Author", "author@example.com", optIn: true)
        let gone = try signUp(client, "Gone", "gone@example.com", optIn: true)
        let idea = try client.post("/ideas", ["title": "Retry mail", "description": "d", "category": "store"], token: author).json["id"] as! Int
        XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(idea)", json: ["status": "under_review"], token: admin).status, 200)
        XCTAssertTrue(Peers.wait(10) { self.mail(to: "author@example.com").count == 1 })
        // The sink holds the message before the server has read its final reply and counted the
        // attempt: wait for the count.
        let succeeded = "groundswell_outbox_attempts_total{channel=\"email\",result=\"succeeded\"} 1"
        XCTAssertTrue(Peers.wait(10) { ((try? client.get("/metrics", token: self.admin).text) ?? "").contains(succeeded) })
        let metrics = try client.get("/metrics", token: admin).text
        XCTAssertTrue(metrics.contains("groundswell_outbox_attempts_total{channel=\"email\",result=\"retrying\"} 1"), metrics)
        XCTAssertTrue(metrics.contains("groundswell_outbox_attempts_total{channel=\"email\",result=\"succeeded\"} 1"), metrics)
        // Erased: no email, ever, even for an idea they followed.
        XCTAssertEqual(try client.post("/ideas/\(idea)/follow", token: gone).status / 100, 2)
        XCTAssertEqual(try client.request("DELETE", "/me", token: gone).status, 204)
        XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(idea)", json: ["status": "accepted"], token: admin).status, 200)
        XCTAssertTrue(Peers.wait(10) { self.mail(to: "author@example.com").count == 2 })
        Thread.sleep(forTimeInterval: 0.5)
        XCTAssertTrue(mail(to: "gone@example.com").isEmpty)
        XCTAssertEqual(mail(to: "author@example.com").count, 2, "each message once")
    }

    func testWithoutSMTPNothingQueuesAndNoBacklogIsSentLater() throws {
        var server = try PeerProcess.groundswell(db: db, [])
        var client = TestClient(port: server.port)
        let author = try signUp(client, "Author", "author@example.com", optIn: true)
        let idea = try client.post("/ideas", ["title": "No mail yet", "description": "d", "category": "store"], token: author).json["id"] as! Int
        XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(idea)", json: ["status": "under_review"], token: admin).status, 200)
        XCTAssertEqual(try client.get("/me/notifications", token: author).json["unread_count"] as? Int, 1)
        XCTAssertTrue(try Peers.wait(5) { try client.get("/metrics", token: self.admin).text.contains("groundswell_outbox_pending{channel=\"email\"} 0") })
        server.stop()
        try startSink()
        server = try PeerProcess.groundswell(db: db, ["--smtp-url", "smtp://127.0.0.1:\(sink.port)"])
        defer { server.stop() }
        client = TestClient(port: server.port)
        XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(idea)", json: ["status": "accepted"], token: admin).status, 200)
        XCTAssertTrue(Peers.wait(10) { self.mail().count == 1 })
        Thread.sleep(forTimeInterval: 0.5)
        XCTAssertEqual(mail().count, 1)
        XCTAssertEqual(mail()[0]["subject"] as? String, "“No mail yet” is now accepted")
    }

    func testSTARTTLSAndAUTHWhenTheURLAsksForThem() throws {
        let cert = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1"]
        openssl.standardOutput = FileHandle.nullDevice
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        XCTAssertEqual(openssl.terminationStatus, 0)
        try startSink(["--tls", cert, key])
        // A wrong password: the server refuses, nothing is delivered.
        var server = try PeerProcess.groundswell(db: db, ["--smtp-url", "smtp://mailer:wrong@127.0.0.1:\(sink.port)?starttls=required",
                                                          "--smtp-insecure", "--email-retry-schedule", "30"])
        var client = TestClient(port: server.port)
        let author = try signUp(client, "Author", "author@example.com", optIn: true)
        let idea = try client.post("/ideas", ["title": "Secure mail", "description": "d", "category": "store"], token: author).json["id"] as! Int
        XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(idea)", json: ["status": "under_review"], token: admin).status, 200)
        // Generous: a refused AUTH can take seconds (TLS handshake, the sink's pause after a failure).
        XCTAssertTrue(try Peers.wait(30) {
            try client.get("/metrics", token: self.admin).text.contains("groundswell_outbox_attempts_total{channel=\"email\",result=\"retrying\"} 1")
        })
        XCTAssertTrue(mail().isEmpty)
        server.stop()
        server = try PeerProcess.groundswell(db: db, ["--smtp-url", "smtp://mailer:secret@127.0.0.1:\(sink.port)?starttls=required",
                                                      "--smtp-insecure"])
        defer { server.stop() }
        client = TestClient(port: server.port)
        XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(idea)", json: ["status": "accepted"], token: admin).status, 200)
        XCTAssertTrue(Peers.wait(10) { !self.mail().isEmpty })
        let message = mail()[0]
        XCTAssertEqual(message["tls"] as? Bool, true)
        XCTAssertEqual(message["authenticated"] as? Bool, true)
    }
}
