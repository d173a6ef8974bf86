/// The protocol version of a request; only 1.0 and 1.1 are spoken here.
public struct HTTPVersion: Hashable, Sendable {
    public let major: Int
    public let minor: Int
    public static let http1_0 = HTTPVersion(major: 1, minor: 0)
    public static let http1_1 = HTTPVersion(major: 1, minor: 1)
}

/// A fully received request: the head plus the whole (de-chunked) body.
/// Handlers see a value; nothing in it points back at the socket.
public struct Request: Sendable {
    public var method: HTTPMethod
    /// The request-target as sent.
    public var target: String
    /// The path part of the target, still percent-encoded.
    public var path: String
    /// The query part (after `?`), still percent-encoded, or nil.
    public var query: String?
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// The body, on routes that spool to disk (`SpoolPolicy`); `body` is then empty.
    public var bodyFile: SpooledBody?
    /// Whether the connection stays open after this request (from version + `Connection`).
    public var keepAlive: Bool
    /// The peer's address, as seen on the socket.
    public var remoteAddress: String
    /// Path parameters filled by the router, e.g. `id` for `/ideas/{id}`.
    public var parameters: Parameters = Parameters()
    /// The route pattern that matched (for logs and metrics), e.g. `/ideas/{id}`.
    public var route: String?
    /// Monotonic time when the head was complete, for access-log durations.
    public var startedAt: UInt64 = 0
    /// What the application's middleware hands to its handlers: one value of the
    /// application's own type (the domain reads it back as its `RequestContext`).
    public var context: (any Sendable)?

    public init(method: HTTPMethod, target: String, version: HTTPVersion = .http1_1,
                headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [], remoteAddress: String = "") {
        self.method = method
        self.target = target
        let split = Request.splitTarget(target)
        self.path = split.path
        self.query = split.query
        self.version = version
        self.headers = headers
        self.body = body
        self.keepAlive = true
        self.remoteAddress = remoteAddress
    }

    static func splitTarget(_ target: String) -> (path: String, query: String?) {
        guard let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return (target, nil) }
        return (String(target[..<mark]), String(target[target.index(after: mark)...]))
    }

    /// Decoded query parameters; the first occurrence of a name wins.
    public var queryItems: QueryItems { QueryItems(query ?? "") }
}

/// Path parameters captured by the router.
/// Most routes have one parameter (`/ideas/{id}/votes`): it is kept inline, since an array
/// for it cost an allocation per request.
public struct Parameters: Sendable {
    var first: (name: String, value: String)?
    var rest: [(String, String)] = []
    public init() {}
    public subscript(_ name: String) -> String? {
        if let first, first.name == name { return first.value }
        for (key, value) in rest where key == name { return value }
        return nil
    }
    mutating func append(_ name: String, _ value: String) {
        if first == nil { first = (name, value) } else { rest.append((name, value)) }
    }
}

/// Parsed `application/x-www-form-urlencoded` query string.
public struct QueryItems: Sendable {
    public let items: [(name: String, value: String)]

    /// Fields already decoded (from a multipart form, say).
    public init(items: [(name: String, value: String)]) {
        self.items = items
    }

    public init(_ query: String) {
        var items: [(String, String)] = []
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = PercentDecoding.decode(parts[0], plusAsSpace: true) ?? String(parts[0])
            let value = parts.count > 1 ? (PercentDecoding.decode(parts[1], plusAsSpace: true) ?? String(parts[1])) : ""
            items.append((name, value))
        }
        self.items = items.map { (name: $0.0, value: $0.1) }
    }

    public subscript(_ name: String) -> String? {
        for item in items where item.name == name { return item.value }
        return nil
    }
}

/// Percent-decoding that refuses malformed escapes and invalid UTF-8 rather than guessing.
public enum PercentDecoding {
    public static func decode<S: StringProtocol>(_ text: S, plusAsSpace: Bool = false) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let hi = iterator.next().flatMap(hexValue), let lo = iterator.next().flatMap(hexValue) else { return nil }
                bytes.append(hi << 4 | lo)
            } else if plusAsSpace && byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

extension Request {
    /// The value of cookie `name` from the `Cookie` header(s) (RFC 6265 `name=value; …`), or
    /// nil when it is absent or empty.
    public func cookie(_ name: String) -> String? {
        for header in headers.values("cookie") {
            for pair in header.split(separator: ";") {
                let trimmed = pair.drop { $0 == " " }
                guard let equals = trimmed.firstIndex(of: "="), trimmed[..<equals] == name else { continue }
                let value = trimmed[trimmed.index(after: equals)...]
                return value.isEmpty ? nil : String(value)
            }
        }
        return nil
    }
}
