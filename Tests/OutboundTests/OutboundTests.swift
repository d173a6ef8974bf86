import Foundation
import XCTest
@testable import Outbound

final class OutboundTests: XCTestCase {
    /// The Standard Webhooks specification's own example.
    func testSignatureMatchesTheStandardWebhooksExample() {
        let signature = WebhookSignature.sign(secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
                                              timestamp: 1_614_265_330, body: Array(#"{"test": 2432232314}"#.utf8))
        XCTAssertEqual(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        XCTAssertNil(WebhookSignature.sign(secret: "not-a-secret", id: "m", timestamp: 1, body: []))
        let secret = WebhookSignature.generateSecret()
        XCTAssertTrue(secret.hasPrefix("whsec_"))
        XCTAssertEqual(WebhookSignature.key(of: secret)?.count, 24)
        XCTAssertNotEqual(secret, WebhookSignature.generateSecret())
    }

    func testAddressClasses() {
        let cases: [(String, Bool)] = [
            ("127.0.0.1", false), ("127.8.9.1", false), ("10.1.2.3", false), ("172.16.0.1", false), ("172.31.255.255", false),
            ("172.32.0.1", true), ("192.168.1.1", false), ("169.254.169.254", false), ("100.64.0.1", false), ("0.0.0.0", false),
            ("224.0.0.1", false), ("255.255.255.255", false), ("8.8.8.8", true), ("93.184.216.34", true),
            ("::1", false), ("::", false), ("fe80::1", false), ("fc00::1", false), ("fd12:3456::1", false), ("ff02::1", false),
            ("::ffff:127.0.0.1", false), ("::ffff:10.0.0.1", false), ("::ffff:8.8.8.8", true), ("64:ff9b::a9fe:a9fe", false),
            ("2002:7f00:1::", false), ("2001:db8::1", false), ("2606:4700:4700::1111", true),
        ]
        for (text, isPublic) in cases {
            guard let address = IPAddress(text) else { XCTFail("\(text) did not parse"); continue }
            XCTAssertEqual(address.isPublic, isPublic, "\(text) is \(address.kind)")
        }
        XCTAssertNil(IPAddress("example.com"))
        XCTAssertNil(IPAddress(literal: "example.com"))
        XCTAssertNil(IPAddress(literal: "cafe.be"))
        XCTAssertEqual(IPAddress(literal: "127.1")?.text, "127.0.0.1")
        XCTAssertEqual(IPAddress(literal: "0x7f000001")?.text, "127.0.0.1")
        XCTAssertEqual(IPAddress(literal: "fe80::1%eth0")?.kind, "link-local")
        XCTAssertNil(IPAddress("999.1.1.1"))
        XCTAssertEqual(IPAddress("::1")?.text, "[::1]")
        XCTAssertEqual(IPAddress("10.0.0.1")?.text, "10.0.0.1")
    }

    func testURLForms() throws {
        XCTAssertEqual(try DestinationPolicy.parse("https://hooks.example.com/x?y=1"),
                       .init(scheme: "https", host: "hooks.example.com", port: 443))
        XCTAssertEqual(try DestinationPolicy.parse("http://[::1]:8080/").host, "::1")
        for bad in ["ftp://example.com/", "file:///etc/passwd", "gopher://x", "http://user:pw@example.com/", "http:///path",
                    "not a url", "https://example.com/#frag", "http://exa\u{00E9}mple.com/", "http://example.com:99999/",
                    "https://" + String(repeating: "a", count: 2100) + ".com"] {
            XCTAssertThrowsError(try DestinationPolicy.parse(bad), bad)
        }
    }

    func testPolicyRefusesPrivateDestinationsBeforeAndAfterDNS() throws {
        let strict = DestinationPolicy(allowPrivate: false)
        for url in ["http://127.1/", "http://0x7f000001/", "http://2130706433/", "http://017700000001/", "http://[fe80::1%25eth0]/",
                    "http://127.0.0.1/", "http://localhost:8080/", "http://api.localhost/", "http://[::1]/", "http://169.254.169.254/latest",
                    "http://10.0.0.5/", "http://[::ffff:127.0.0.1]/", "http://printer.local/", "http://metadata.google.internal/"] {
            XCTAssertThrowsError(try strict.checkWithoutDNS(DestinationPolicy.parse(url)), url)
        }
        // A name is checked after resolution: Debian's /etc/hosts maps ip6-localhost to ::1.
        let hosts = (try? String(contentsOfFile: "/etc/hosts", encoding: .utf8)) ?? ""
        if hosts.contains("ip6-localhost") {
            let target = try DestinationPolicy.parse("http://ip6-localhost:9/")
            XCTAssertNoThrow(try strict.checkWithoutDNS(target))
            XCTAssertThrowsError(try strict.resolve(target)) { error in
                XCTAssertTrue("\(error)".contains("loopback"), "\(error)")
            }
            XCTAssertEqual(try DestinationPolicy(allowPrivate: true).resolve(target), "[::1]")
        }
        XCTAssertEqual(try DestinationPolicy(allowPrivate: true).resolve(DestinationPolicy.parse("http://127.0.0.1:9/")), "127.0.0.1")
        XCTAssertThrowsError(try strict.resolve(DestinationPolicy.parse("http://no-such-host.invalid/")))
    }

    func testMailMessageEncodesKoreanAndRefusesHeaderInjection() {
        var message = MailMessage(from: .init(name: "Groundswell", address: "noreply@example.com"),
                                  to: .init(name: "김민지\r\nBcc: evil@example.com", address: "minji@example.com"),
                                  subject: "‘매장에 콘센트를 더 많이’ 아이디어의 상태가 바뀌었습니다\r\nX-Evil: 1",
                                  text: "안녕하세요", html: "<p>안녕하세요</p>", messageID: "n1.2@example.com")
        message.headers = [("List-Unsubscribe", "<https://example.com/u/abc>\r\nX-Evil: 2")]
        let text = String(decoding: message.rendered(), as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        XCTAssertFalse(lines.contains { $0.hasPrefix("Bcc:") || $0.hasPrefix("X-Evil") }, text)
        XCTAssertTrue(lines.allSatisfy { $0.utf8.count <= 998 })
        XCTAssertTrue(text.contains("Subject: =?UTF-8?B?"))
        XCTAssertTrue(text.contains("Message-ID: <n1.2@example.com>"))
        XCTAssertTrue(text.contains("Content-Type: multipart/alternative"))
        // Every encoded word decodes back to UTF-8 whole (no character cut in two).
        for word in text.matches(of: /=\?UTF-8\?B\?([A-Za-z0-9+\/=]+)\?=/) {
            XCTAssertNotNil(Data(base64Encoded: String(word.1)).flatMap { String(data: $0, encoding: .utf8) })
            XCTAssertLessThanOrEqual(word.0.count, 75)
        }
        XCTAssertFalse(MailMessage.Mailbox(name: "", address: "a@b.c\r\nBcc: x@y").isSafe)
        XCTAssertFalse(MailMessage.Mailbox(name: "", address: "").isSafe)
        XCTAssertTrue(MailMessage.Mailbox(name: "", address: "minji@example.com").isSafe)
    }

    func testSMTPURLForms() throws {
        XCTAssertEqual(try SMTPSender(url: "smtp://127.0.0.1:2525").url, "smtp://127.0.0.1:2525")
        XCTAssertEqual(try SMTPSender(url: "smtp://u:p@mail.example.com:587?starttls=required").url, "smtp://u:p@mail.example.com:587")
        for bad in ["http://mail.example.com", "smtp://", "smtp://host?starttls=maybe", "smtp://host?tls=1", "mail.example.com"] {
            XCTAssertThrowsError(try SMTPSender(url: bad), bad)
        }
    }
}
