import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A response as a test client saw it on the wire.
public struct ClientResponse {
    public var status: Int
    public var reason: String
    public var headers: [(String, String)]
    public var body: [UInt8]

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    public func headerCount(_ name: String) -> Int {
        headers.filter { $0.0.lowercased() == name.lowercased() }.count
    }

    public var text: String { String(decoding: body, as: UTF8.self) }

    /// The body as a JSON object (empty if it is not one).
    public var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
    }

    /// `error.code` of a JSON error body.
    public var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
}

public struct ClientError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A blocking TCP connection that speaks raw bytes, so tests can send exactly what
/// a misbehaving client would and read exactly what the server answers.
public final class RawConnection {
    public let fd: Int32
    private var buffer: [UInt8] = []
    public private(set) var peerClosed = false

    /// `source` binds the local end first (another loopback address, e.g. 127.0.0.2), so a
    /// test can act as several client hosts.
    public init(port: Int, host: String = "127.0.0.1", source: String? = nil, timeout: Double = 10) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError("socket failed") }
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            inet_pton(AF_INET, source, &local.sin_addr)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else {
                Glibc.close(fd)
                throw ClientError("bind to \(source) failed: errno \(errno)")
            }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        inet_pton(AF_INET, host, &address.sin_addr)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            Glibc.close(fd)
            throw ClientError("connect to \(host):\(port) failed: errno \(errno)")
        }
        setTimeout(timeout)
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { Glibc.close(fd) }

    public func setTimeout(_ seconds: Double) {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { throw ClientError("send failed: errno \(errno)") }
            offset += n
        }
    }

    /// Half-closes the sending side.
    public func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    /// Reads more bytes into the buffer; false at EOF or timeout.
    @discardableResult
    private func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n > 0 {
            buffer.append(contentsOf: chunk[0..<n])
            return true
        }
        if n == 0 { peerClosed = true }
        return false
    }

    /// Reads until the peer closes (or the timeout passes); returns everything unread.
    public func readToEnd() -> [UInt8] {
        while fill() {}
        defer { buffer.removeAll() }
        return buffer
    }

    /// True if the server closed the connection (reads EOF) within the timeout.
    public func waitForClose() -> Bool {
        while fill() { buffer.removeAll() }
        return peerClosed
    }

    /// Reads one response. `head` says the request was HEAD (no body follows).
    public func readResponse(head: Bool = false) throws -> ClientResponse {
        var headEnd: Int?
        while headEnd == nil {
            headEnd = findHeadEnd()
            if headEnd == nil && !fill() {
                throw ClientError(peerClosed ? "connection closed before a response" : "timed out waiting for a response")
            }
        }
        let headText = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
        buffer.removeFirst(headEnd! + 4)
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw ClientError("malformed status line: \(statusLine)")
        }
        var headers: [(String, String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { throw ClientError("malformed header line: \(line)") }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        var response = ClientResponse(status: status, reason: parts.count > 2 ? String(parts[2]) : "", headers: headers, body: [])
        if head || status < 200 || status == 204 || status == 304 { return response }
        if let length = response.header("content-length").flatMap(Int.init) {
            while buffer.count < length {
                guard fill() else { throw ClientError("body ended after \(buffer.count) of \(length) bytes") }
            }
            response.body = Array(buffer[0..<length])
            buffer.removeFirst(length)
        } else if response.header("transfer-encoding")?.lowercased() == "chunked" {
            throw ClientError("chunked responses are not expected from this server")
        } else {
            response.body = readToEnd()
        }
        return response
    }

    private func findHeadEnd() -> Int? {
        guard buffer.count >= 4 else { return nil }
        for i in 0...(buffer.count - 4) where buffer[i] == 13 && buffer[i + 1] == 10 && buffer[i + 2] == 13 && buffer[i + 3] == 10 {
            return i
        }
        return nil
    }
}

/// A small keep-alive JSON client over `RawConnection` for end-to-end tests.
public final class TestClient {
    public let port: Int
    /// How long a request waits for its answer.
    public let timeout: Double
    private var connection: RawConnection?

    public init(port: Int, timeout: Double = 10) {
        self.port = port
        self.timeout = timeout
    }

    public func request(_ method: String, _ path: String, json: Any? = nil, body: [UInt8]? = nil,
                        token: String? = nil, headers: [(String, String)] = [],
                        contentType: String = "application/json") throws -> ClientResponse {
        var payload = body ?? []
        if let json { payload = Array(try JSONSerialization.data(withJSONObject: json)) }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !payload.isEmpty || method == "POST" || method == "PATCH" || method == "PUT" {
            head += "Content-Type: \(contentType)\r\nContent-Length: \(payload.count)\r\n"
        }
        head += "\r\n"
        for attempt in 0..<2 {
            let conn = try connection ?? RawConnection(port: port, timeout: timeout)
            connection = conn
            var sent = false
            do {
                try conn.send(Array(head.utf8) + payload)
                sent = true
                let response = try conn.readResponse(head: method == "HEAD")
                if response.header("connection")?.lowercased() == "close" { connection = nil }
                return response
            } catch {
                connection = nil
                // Sent again when the connection failed or closed (a kept-alive one the server had
                // closed), never after a timeout: that request may have been served (an upload
                // stored, its answer late), and a POST must not be made twice.
                let timedOut = sent && !conn.peerClosed
                if attempt == 1 || timedOut { throw error }
            }
        }
        throw ClientError("unreachable")
    }

    public func get(_ path: String, token: String? = nil) throws -> ClientResponse {
        try request("GET", path, token: token)
    }

    public func post(_ path: String, _ json: Any? = nil, token: String? = nil) throws -> ClientResponse {
        try request("POST", path, json: json, token: token)
    }
}
