import XCTest
@testable import HTTPServer

final class RequestParserTests: XCTestCase {
    /// Feeds `chunks` one after another, keeping unconsumed bytes as a connection does.
    private func parseAll(_ chunks: [[UInt8]], limits: ParserLimits = ParserLimits()) -> [RequestParser.Event] {
        var parser = RequestParser(limits: limits)
        var pending: [UInt8] = []
        var events: [RequestParser.Event] = []
        for chunk in chunks {
            pending += chunk
            while true {
                let (consumed, event) = pending.withUnsafeBufferPointer { parser.parse($0) }
                pending.removeFirst(consumed)
                switch event {
                case .needMore:
                    if consumed == 0 { break }
                    continue
                case .failure:
                    events.append(event)
                    return events
                default:
                    events.append(event)
                    continue
                }
                break
            }
        }
        return events
    }

    private func requests(_ text: String) -> [Request] {
        parseAll([Array(text.utf8)]).compactMap { if case .request(let r) = $0 { return r } else { return nil } }
    }

    private func failure(_ text: String, limits: ParserLimits = ParserLimits()) -> HTTPError? {
        for event in parseAll([Array(text.utf8)], limits: limits) {
            if case .failure(let error) = event { return error }
        }
        return nil
    }

    func testHostValidation() {
        let valid = ["", "h", "example.com", "127.0.0.1:8080", "a-b.c_d~e", "x:", "x:65535", "[::1]", "[::1]:80",
                     "[2001:db8::1]:443", "[::ffff:10.0.0.1]", "%41b", "a!$&'()*+,;=b"]
        let invalid = ["a b", "a/b", "user@a", "a:99999", "a:65536", "a:123456", "a:8x", "[::1", "[]", "[::g]",
                       "[::1]x", "[::1]:8x", "a\u{7F}", "é.com", "a:b:c"]
        for host in valid { XCTAssertTrue(HeadParser.isValidHost(host), host) }
        for host in invalid { XCTAssertFalse(HeadParser.isValidHost(host), host) }
    }

    func testCaseInsensitiveComparisonAndTrimming() {
        XCTAssertTrue("Content-Length".caseInsensitiveEquals("content-length"))
        XCTAssertTrue("BEARER".caseInsensitiveEquals("bearer"))
        XCTAssertFalse("bearer".caseInsensitiveEquals("bearers"))
        XCTAssertFalse("[".caseInsensitiveEquals("{"), "only ASCII letters fold")
        XCTAssertFalse("é".caseInsensitiveEquals("É"), "non-ASCII bytes compare exactly")
        XCTAssertEqual(" \t a b \t".dropFirst(0).trimmingOWS(), "a b")
        XCTAssertEqual("  ".dropFirst(0).trimmingOWS(), "")
        XCTAssertEqual("xyz".dropFirst(1).trimmingOWS(), "yz")
    }

    func testSimpleGetIsParsed() {
        let parsed = requests("GET /ideas/7?sort=top HTTP/1.1\r\nHost: example.com\r\nX-A:  b \r\n\r\n")
        XCTAssertEqual(parsed.count, 1)
        XCTAssertEqual(parsed[0].method, .get)
        XCTAssertEqual(parsed[0].path, "/ideas/7")
        XCTAssertEqual(parsed[0].query, "sort=top")
        XCTAssertEqual(parsed[0].headers["x-a"], "b")
        XCTAssertTrue(parsed[0].keepAlive)
    }

    func testEverySplitPointGivesTheSameRequests() {
        let text = "POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n"
            + "GET /b HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
        let bytes = Array(text.utf8)
        for split in 1..<bytes.count {
            let events = parseAll([Array(bytes[0..<split]), Array(bytes[split...])])
            let parsed = events.compactMap { event -> Request? in if case .request(let r) = event { return r } else { return nil } }
            XCTAssertEqual(parsed.count, 2, "split at \(split)")
            XCTAssertEqual(parsed.first.map { String(decoding: $0.body, as: UTF8.self) }, "hello world", "split at \(split)")
            XCTAssertEqual(parsed.last.map { String(decoding: $0.body, as: UTF8.self) }, "abc", "split at \(split)")
        }
    }

    func testByteAtATimeParsing() {
        let text = "PATCH /x HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nok"
        let events = parseAll(Array(text.utf8).map { [$0] })
        guard case .request(let request)? = events.last else { return XCTFail("no request") }
        XCTAssertEqual(request.method, .patch)
        XCTAssertEqual(request.body, Array("ok".utf8))
    }

    func testLeadingEmptyLinesAreIgnored() {
        XCTAssertEqual(requests("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n").count, 1)
    }

    func testHTTP10DefaultsToClose() {
        let parsed = requests("GET / HTTP/1.0\r\n\r\n")
        XCTAssertEqual(parsed.first?.keepAlive, false)
        XCTAssertEqual(requests("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").first?.keepAlive, true)
        XCTAssertEqual(requests("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").first?.keepAlive, false)
    }

    func testHeaderListsTrimOnlyOptionalWhitespace() {
        XCTAssertEqual(" \tclose , keep-alive\t,, x ".headerListElements(), ["close", "keep-alive", "x"])
        XCTAssertEqual(Substring(" \u{00A0}é\t").trimmingOWS(), "\u{00A0}é", "only SP and HTAB are OWS")
        XCTAssertEqual(requests("GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive ,\tclose\r\n\r\n").first?.keepAlive, false)
    }

    func testAbsoluteFormReplacesHost() {
        let parsed = requests("GET http://other.example:8080/ideas?x=1 HTTP/1.1\r\nHost: h\r\n\r\n")
        XCTAssertEqual(parsed.first?.path, "/ideas")
        XCTAssertEqual(parsed.first?.headers["host"], "other.example:8080")
    }

    func testFramingAttacksAreRejected() {
        let cases: [(String, Int)] = [
            ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 400),
            ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 3\r\n\r\nabc", 400),
            ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +3\r\n\r\nabc", 400),
            ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x10\r\n\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length : 3\r\n\r\nabc", 400),
            ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
            ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
            ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: xchunked\r\n\r\n", 501),
            ("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:\r\n\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nz\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3 \r\nabc\r\n0\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nHost: a:99999\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nHost: user@a\r\n\r\n", 400),
            ("GET / HTTP/1.1\nHost: h\n\n", 400),
            ("GET / HTTP/1.1\r\nHost: h\nX: y\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\n Host: h\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nHost: h\r\nX-Null: a\u{0}b\r\n\r\n", 400),
            ("GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400),
            ("GET / HTTP/1.1 \r\nHost: h\r\n\r\n", 400),
            ("GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", 400),
            ("GET / HTTX/1.1\r\nHost: h\r\n\r\n", 400),
            ("GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505),
            ("G(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400),
            ("GET * HTTP/1.1\r\nHost: h\r\n\r\n", 400),
            ("GET /#frag HTTP/1.1\r\nHost: h\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nHost: h\r\n: empty-name\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nHost: h\r\nExpect: something\r\n\r\n", 417),
        ]
        for (text, status) in cases {
            XCTAssertEqual(failure(text)?.status.code, status, "for \(text.debugDescription)")
        }
    }

    /// Chunk extensions are ignored when they follow RFC 9112's grammar and refused otherwise, so
    /// that no reading of a malformed one (an unclosed quote above all) can move a chunk boundary.
    func testChunkExtensionsFollowTheGrammar() {
        let head = "POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        for line in ["1;a", "1;a=b", "1 ; a = b ;c=\"d \\\" e;\"", "1;a=\"\"", "1\t;a=\"caf\u{E9}\""] {
            let parsed = requests(head + line + "\r\nx\r\n0\r\n\r\n")
            XCTAssertEqual(parsed.count, 1, "for \(line.debugDescription)")
            XCTAssertEqual(parsed.first?.body, Array("x".utf8), "for \(line.debugDescription)")
        }
        for line in ["1;a=\"", "1;a=\"b", "1;", "1;=b", "1;a=", "1;a b", "1;a=b c", "1;a ", "1;a=b ",
                     "1;a=\"b\\\u{1}\"", "1;a=\"b\u{7F}\"", "1;a@b", "1 x", "1;a=\"b\"c"] {
            XCTAssertEqual(failure(head + line + "\r\nx\r\n0\r\n\r\n")?.status.code, 400, "for \(line.debugDescription)")
        }
    }

    func testLimits() {
        var limits = ParserLimits()
        limits.maxRequestLine = 100
        limits.maxHeaderBytes = 400
        limits.maxBodyBytes = 10
        limits.maxHeaderCount = 5
        XCTAssertEqual(failure("GET /\(String(repeating: "a", count: 200)) HTTP/1.1\r\nHost: h\r\n\r\n", limits: limits)?.status.code, 414)
        XCTAssertEqual(failure("GET /\(String(repeating: "a", count: 200))", limits: limits)?.status.code, 414)
        XCTAssertEqual(failure("GET / HTTP/1.1\r\nHost: h\r\nX: \(String(repeating: "a", count: 500))\r\n\r\n", limits: limits)?.status.code, 431)
        XCTAssertEqual(failure("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\nE: 1\r\n\r\n", limits: limits)?.status.code, 431)
        XCTAssertEqual(failure("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n", limits: limits)?.status.code, 413)
        XCTAssertEqual(failure("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\nabcdef\r\n", limits: limits)?.status.code, 413)
        XCTAssertNil(failure("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789", limits: limits))
    }

    func testExpectContinueIsReported() {
        let events = parseAll([Array("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n".utf8)])
        guard case .expectsContinue? = events.first else { return XCTFail("expected an expectsContinue event, got \(events)") }
    }
}
