import Foundation
import Logging
import TestSupport
import Synchronization
import XCTest
@testable import HTTPServer

final class ServerTests: XCTestCase {
    var server: Server!
    var port = 0
    /// The streams `/stream` opened, for the test to send on.
    final class Opened: Sendable {
        let streams = Mutex<[ResponseStream]>([])
        /// States the streams' connections dropped unsent.
        let superseded = Mutex(0)
    }
    let opened = Opened()

    override func setUpWithError() throws {
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.loopCount = 2
        configuration.limits.maxBodyBytes = 1024
        configuration.headerTimeout = 1
        configuration.requestTimeout = 2
        configuration.keepAliveTimeout = 2
        configuration.shutdownGrace = 5
        configuration.accessLog = false
        try start(configuration)
    }

    func start(_ configuration: ServerConfiguration, logLevel: Logger.Level = .critical) throws {
        let router = Router()
        router.get("/hello") { _ in .response(Response(body: Array(#"{"hello":"world"}"#.utf8))) }
        router.get("/items/{id}") { request in
            .response(Response(body: Array("{\"id\":\"\(request.parameters["id"]!)\"}".utf8)))
        }
        router.post("/echo") { request in
            .response(Response(status: .created, body: request.body, contentType: "text/plain"))
        }
        router.post("/later") { request in
            // Answered from another thread, like a database write.
            let promise = ResponsePromise()
            let body = request.body
            DispatchQueue.global().asyncAfter(deadline: .now() + 0.05) {
                promise.succeed(Response(status: .accepted, body: body, contentType: "text/plain"))
            }
            return .promise(promise)
        }
        router.get("/boom") { _ in throw ClientError("not an HTTP error") }
        router.get("/stream") { [opened] _ in
            let stream = ResponseStream(onSuperseded: { count in opened.superseded.withLock { $0 += count } })
            opened.streams.withLock { $0.append(stream) }
            var response = Response(status: .ok, contentType: "text/event-stream")
            response.stream = stream
            return .response(response)
        }
        var logger = Logger(label: "test")
        logger.logLevel = logLevel
        server = Server(configuration: configuration, responder: router, logger: logger)
        port = try server.start()
    }

    override func tearDown() {
        server?.shutdown()
    }

    private func connect() throws -> RawConnection { try RawConnection(port: port, timeout: 5) }

    /// A large stream message is sent from the one array every stream shares: clients that read
    /// late still get every byte, in order, with the messages sent after it.
    func testALargeStreamMessageSharedByStreamsArrivesWholeAndInOrder() throws {
        let clients = try (0..<2).map { _ in try connect() }
        for client in clients { try client.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n") }
        let deadline = Date().addingTimeInterval(5)
        while opened.streams.withLock({ $0.count }) < 2 && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        let streams = opened.streams.withLock { $0 }
        XCTAssertEqual(streams.count, 2)
        let large = (0..<(4 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 11) }   // more than a socket takes
        for stream in streams {
            stream.send(Array("first\n".utf8))
            stream.send(large)                  // the same array for both, more than the socket takes
        }
        Thread.sleep(forTimeInterval: 0.2)      // both wait in the shared array while nobody reads
        let expected = Array("first\n".utf8) + large
        var bodies: [[UInt8]] = []
        for client in clients {
            var all: [UInt8] = []
            while true {
                var chunk = [UInt8](repeating: 0, count: 1 << 16)
                let n = chunk.withUnsafeMutableBytes { recv(client.fd, $0.baseAddress, $0.count, 0) }
                guard n > 0 else { break }
                all += chunk[0..<n]
                if let body = all.firstRange(of: Array("\r\n\r\n".utf8))?.upperBound, all.count - body >= expected.count { break }
            }
            let body = try XCTUnwrap(all.firstRange(of: Array("\r\n\r\n".utf8))).upperBound
            bodies.append(Array(all[body...]))
        }
        for stream in streams {
            stream.sendState([Array("after".utf8), Array("-large\n".utf8)])
            stream.close()
        }
        for (client, body) in zip(clients, bodies) {
            XCTAssertEqual(body + client.readToEnd(), expected + Array("after-large\n".utf8))
        }
    }

    /// Opens `/stream` on a new connection and returns it with its stream.
    private func openStream() throws -> (RawConnection, ResponseStream) {
        let before = opened.streams.withLock { $0.count }
        let client = try connect()
        try client.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
        let deadline = Date().addingTimeInterval(5)
        while opened.streams.withLock({ $0.count }) == before && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        return (client, try XCTUnwrap(opened.streams.withLock { $0.last }))
    }

    /// The body of a stream response that ended.
    private func streamBody(_ client: RawConnection) throws -> [UInt8] {
        let all = client.readToEnd()
        let start = try XCTUnwrap(all.firstRange(of: Array("\r\n\r\n".utf8))).upperBound
        return Array(all[start...])
    }

    /// A client that reads slower than states arrive gets the state it is reading, whole, then
    /// the newest: the states in between are dropped unsent (and counted), the connection stays.
    func testASlowReaderGetsTheStateItIsReadingThenTheNewest() throws {
        let (client, stream) = try openStream()
        let state = { (seed: Int) in (0..<(4 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ seed) } }
        let a = state(1), b = state(2), c = state(3)
        stream.send(Array("retry: 1\n\n".utf8))
        stream.sendState([a])                   // more than the socket takes: begun, not finished
        stream.sendKeepAlive(Array(": alive\n\n".utf8))  // skipped: bytes are waiting anyway
        stream.sendState([Array("b:".utf8), b])
        stream.sendState([c])                   // replaces b, which never began
        Thread.sleep(forTimeInterval: 0.2)
        stream.close()
        let body = try streamBody(client), expected = Array("retry: 1\n\n".utf8) + a + c
        XCTAssertTrue(body == expected, "received \(body.count) bytes, expected the retry line, a and c: \(expected.count)")
        XCTAssertEqual(opened.superseded.withLock { $0 }, 1)
    }

    /// Bytes that are not states are never dropped: a client more than 1 MiB behind on them
    /// stopped reading, and its connection is closed rather than buffered without bound.
    func testAStreamClientBehindOnBytesIsClosed() throws {
        let (client, stream) = try openStream()
        let large = [UInt8](repeating: 0x61, count: 8 << 20)
        stream.send(large)
        Thread.sleep(forTimeInterval: 0.1)
        stream.send(Array("more".utf8))         // still more than 1 MiB waiting: closed
        let body = try streamBody(client)
        XCTAssertLessThan(body.count, large.count)
        XCTAssertTrue(stream.isClosed, "the stream learns that its client is gone")
    }

    func testEveryResponseHasDateLengthAndJSONType() throws {
        let conn = try connect()
        try conn.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        let ok = try conn.readResponse()
        try conn.send("GET /missing HTTP/1.1\r\nHost: x\r\n\r\n")
        let missing = try conn.readResponse()
        for response in [ok, missing] {
            XCTAssertNotNil(response.header("date"))
            XCTAssertEqual(response.header("content-length"), String(response.body.count))
            XCTAssertEqual(response.header("content-type"), "application/json; charset=utf-8")
        }
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(missing.errorCode, "not_found")
    }

    func testAccessLogLinesGoToTheSinkAsBytes() throws {
        final class Lines: AccessLogSink, @unchecked Sendable {
            let lock = NSLock()
            var lines: [String] = []
            func appendAccessLine(_ message: UnsafeRawBufferPointer) {
                lock.lock()
                lines.append(String(decoding: message, as: UTF8.self))
                lock.unlock()
            }
        }
        server.shutdown()
        let sink = Lines()
        var configuration = server.configuration
        configuration.accessLog = true
        configuration.accessLogSink = sink
        try start(configuration, logLevel: .info)
        let conn = try connect()
        for path in ["/hello", "/items/a%20b", "/missing"] {
            try conn.send("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n")
            _ = try conn.readResponse()
        }
        try conn.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi")
        _ = try conn.readResponse()
        sink.lock.lock()
        let lines = sink.lines
        sink.lock.unlock()
        XCTAssertEqual(lines.count, 4)
        let pattern = #"^(GET|POST) (\S+) (\d{3}) \d+\.\d{3}ms peer=127\.0\.0\.1$"#
        for line in lines {
            XCTAssertNotNil(line.range(of: pattern, options: .regularExpression), line)
        }
        XCTAssertTrue(lines[0].hasPrefix("GET /hello 200 "))
        XCTAssertTrue(lines[1].hasPrefix("GET /items/a%20b 200 "))
        XCTAssertTrue(lines[2].hasPrefix("GET /missing 404 "))
        XCTAssertTrue(lines[3].hasPrefix("POST /echo 201 "))
    }

    func testKeepAliveServesManyRequestsOnOneConnection() throws {
        let conn = try connect()
        for i in 0..<50 {
            try conn.send("GET /items/\(i) HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try conn.readResponse()
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(response.json["id"] as? String, String(i))
        }
    }

    func testPipelinedRequestsAreAnsweredInOrder() throws {
        let conn = try connect()
        var batch = ""
        for i in 0..<10 {
            if i % 3 == 1 {
                batch += "POST /later HTTP/1.1\r\nHost: x\r\nContent-Length: \(String(i).count)\r\n\r\n\(i)"
            } else {
                batch += "GET /items/\(i) HTTP/1.1\r\nHost: x\r\n\r\n"
            }
        }
        try conn.send(batch)
        for i in 0..<10 {
            let response = try conn.readResponse()
            if i % 3 == 1 {
                XCTAssertEqual(response.status, 202)
                XCTAssertEqual(response.text, String(i))
            } else {
                XCTAssertEqual(response.json["id"] as? String, String(i))
            }
        }
    }

    func testChunkedBodyIsDecoded() throws {
        let conn = try connect()
        try conn.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4;note=1\r\nWiki\r\n5\r\npedia\r\n0\r\nTrailer: t\r\n\r\n")
        let response = try conn.readResponse()
        XCTAssertEqual(response.status, 201)
        XCTAssertEqual(response.text, "Wikipedia")
    }

    func testExpectContinueSendsInterimResponse() throws {
        let conn = try connect()
        try conn.send("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
        let interim = try conn.readResponse()
        XCTAssertEqual(interim.status, 100)
        try conn.send("hello")
        let final = try conn.readResponse()
        XCTAssertEqual(final.status, 201)
        XCTAssertEqual(final.text, "hello")
    }

    func testExpectContinueWithTooLargeBodyGetsOnly413() throws {
        let conn = try connect()
        try conn.send("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n")
        let response = try conn.readResponse()
        XCTAssertEqual(response.status, 413)
        XCTAssertEqual(response.errorCode, "payload_too_large")
        XCTAssertEqual(response.header("connection"), "close")
        XCTAssertTrue(conn.waitForClose())
    }

    func testHTTP10ClosesUnlessKeepAlive() throws {
        let conn = try connect()
        try conn.send("GET /hello HTTP/1.0\r\n\r\n")
        let response = try conn.readResponse()
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.header("connection"), "close")
        XCTAssertTrue(conn.waitForClose())

        let kept = try connect()
        try kept.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        XCTAssertEqual(try kept.readResponse().header("connection"), "keep-alive")
        try kept.send("GET /hello HTTP/1.0\r\n\r\n")
        XCTAssertEqual(try kept.readResponse().status, 200)
    }

    func testConnectionCloseIsHonoured() throws {
        let conn = try connect()
        try conn.send("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        XCTAssertEqual(try conn.readResponse().header("connection"), "close")
        XCTAssertTrue(conn.waitForClose())
    }

    func testHeadHasHeadersButNoBody() throws {
        let conn = try connect()
        try conn.send("HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        let head = try conn.readResponse(head: true)
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.header("content-length"), "17")
        try conn.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(try conn.readResponse().text, #"{"hello":"world"}"#)
    }

    func testWrongMethodGets405WithAllow() throws {
        let conn = try connect()
        try conn.send("DELETE /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        let response = try conn.readResponse()
        XCTAssertEqual(response.status, 405)
        XCTAssertEqual(response.errorCode, "method_not_allowed")
        XCTAssertEqual(response.header("allow"), "GET, HEAD, OPTIONS")
        try conn.send("OPTIONS /echo HTTP/1.1\r\nHost: x\r\n\r\n")
        let options = try conn.readResponse()
        XCTAssertEqual(options.status, 204)
        XCTAssertEqual(options.header("allow"), "POST, OPTIONS")
        // An unknown method on a known path is still "not allowed here" (405 with Allow).
        try conn.send("BREW /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        let brew = try conn.readResponse()
        XCTAssertEqual(brew.status, 405)
        XCTAssertEqual(brew.header("allow"), "GET, HEAD, OPTIONS")
    }

    func testHandlerErrorBecomes500JSON() throws {
        let conn = try connect()
        try conn.send("GET /boom HTTP/1.1\r\nHost: x\r\n\r\n")
        let response = try conn.readResponse()
        XCTAssertEqual(response.status, 500)
        XCTAssertEqual(response.errorCode, "internal_error")
        try conn.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(try conn.readResponse().status, 200)
    }

    func testMalformedRequestsGetJSONErrorAndClose() throws {
        let cases: [(String, Int, String)] = [
            ("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "bad_request"),
            ("GET /hello HTTP/1.1\r\n\r\n", 400, "bad_request"),
            ("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n", 413, "payload_too_large"),
            ("GET /\(String(repeating: "a", count: 9000)) HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri_too_long"),
            ("GET / HTTP/1.1\r\nHost: x\r\nBig: \(String(repeating: "a", count: 40_000))\r\n\r\n", 431, "headers_too_large"),
            ("GET / HTTP/3.0\r\nHost: x\r\n\r\n", 505, "http_version_not_supported"),
        ]
        for (text, status, code) in cases {
            let conn = try connect()
            try conn.send(text)
            let response = try conn.readResponse()
            XCTAssertEqual(response.status, status, text.prefix(60).debugDescription)
            XCTAssertEqual(response.errorCode, code)
            XCTAssertEqual(response.header("connection"), "close")
            XCTAssertTrue(conn.waitForClose(), "connection stays open after \(status)")
        }
    }

    func testSmuggledSecondRequestIsNeverServed() throws {
        let conn = try connect()
        // A front end honouring Content-Length would forward the "GET /hello" as a body.
        try conn.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(try conn.readResponse().status, 400)
        XCTAssertTrue(conn.waitForClose())
    }

    func testSlowRequestTimesOutWith408() throws {
        let conn = try connect()
        try conn.send("GET /hello HTTP/1.1\r\nHost: x\r\n")
        let response = try conn.readResponse()
        XCTAssertEqual(response.status, 408)
        XCTAssertEqual(response.errorCode, "request_timeout")
        XCTAssertTrue(conn.waitForClose())
    }

    func testIdleKeepAliveConnectionIsClosed() throws {
        let conn = try connect()
        try conn.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertEqual(try conn.readResponse().status, 200)
        conn.setTimeout(6)
        XCTAssertTrue(conn.waitForClose())
    }

    func testManyConcurrentConnections() throws {
        // Plain threads: blocking clients on GCD's pool would starve the promises' timers.
        let group = DispatchGroup()
        // An atomic, not a `Mutex`: ThreadSanitizer cannot see a contended `Mutex` hand over in the
        // kernel and reported a race here (`make test-tsan`).
        let ok = Atomic<Int>(0)
        let port = self.port
        for _ in 0..<100 {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                guard let conn = try? RawConnection(port: port) else { return }
                for _ in 0..<5 {
                    guard (try? conn.send("POST /later HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx")) != nil,
                          let response = try? conn.readResponse(), response.status == 202 else { return }
                    ok.add(1, ordering: .relaxed)
                }
            }
        }
        group.wait()
        XCTAssertEqual(ok.load(ordering: .relaxed), 500)
    }

    func testGracefulShutdownFinishesInFlightRequest() throws {
        let conn = try connect()
        try conn.send("POST /later HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok")
        Thread.sleep(forTimeInterval: 0.01)
        let done = DispatchSemaphore(value: 0)
        let running = self.server!
        DispatchQueue.global().async {
            running.shutdown()
            done.signal()
        }
        let response = try conn.readResponse()
        XCTAssertEqual(response.status, 202)
        XCTAssertEqual(response.header("connection"), "close")
        XCTAssertEqual(done.wait(timeout: .now() + 5), .success)
        XCTAssertThrowsError(try RawConnection(port: port))
        server = nil
    }
}
