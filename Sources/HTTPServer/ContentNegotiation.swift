/// Just enough of RFC 9110 content negotiation for one URL to serve both a page and JSON, and
/// for compressed bodies.
extension Request {
    /// Whether the client asks for HTML ahead of JSON: `text/html` listed in `Accept` with a
    /// quality above zero and at least that of `application/json`. Browsers send
    /// `text/html,…,*/*;q=0.8`; API clients send nothing, `*/*` or `application/json`, and
    /// keep getting JSON.
    public var prefersHTML: Bool {
        guard let accept = headers["accept"] else { return false }
        let html = Request.quality(of: "text/html", in: accept)
        guard let html, html > 0 else { return false }
        return html >= (Request.quality(of: "application/json", in: accept) ?? 0)
    }

    /// Whether `Accept-Encoding` allows gzip (listed, or `*`, with a quality above zero).
    public var acceptsGzip: Bool {
        guard let header = headers["accept-encoding"] else { return false }
        if let gzip = Request.quality(of: "gzip", in: header) { return gzip > 0 }
        return (Request.quality(of: "*", in: header) ?? 0) > 0
    }

    /// The `q` of `token` (case-insensitive) in a comma-separated header, 1 when it has none,
    /// nil when the token is not listed. Reads the bytes in place: every page request asks.
    static func quality(of token: String, in header: String) -> Double? {
        var found: Double?
        forEachElement(header) { name, q in
            guard found == nil, equalsIgnoringCase(name, token) else { return }
            found = q
        }
        return found
    }

    /// Calls `body` with each element's name (trimmed, as bytes) and its `q` (1 when absent;
    /// 0 when unparsable, which makes it unacceptable rather than preferred).
    public static func forEachElement(_ header: String, _ body: (UnsafeBufferPointer<UInt8>, Double) -> Void) {
        var header = header
        header.withUTF8 { bytes in
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count && bytes[end] != UInt8(ascii: ",") { end += 1 }
                // name [; params]
                var nameEnd = start
                while nameEnd < end && bytes[nameEnd] != UInt8(ascii: ";") { nameEnd += 1 }
                var q = 1.0
                var param = nameEnd
                while param < end {
                    param += 1
                    var p = param
                    while p < end && (bytes[p] == 0x20 || bytes[p] == 0x09) { p += 1 }
                    if p + 1 < end && (bytes[p] | 0x20) == UInt8(ascii: "q") && bytes[p + 1] == UInt8(ascii: "=") {
                        let value = p + 2
                        var valueEnd = value
                        while valueEnd < end && bytes[valueEnd] != UInt8(ascii: ";") && bytes[valueEnd] != 0x20 { valueEnd += 1 }
                        q = Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[value..<valueEnd]), as: UTF8.self)) ?? 0
                    }
                    while param < end && bytes[param] != UInt8(ascii: ";") { param += 1 }
                }
                var a = start, b = nameEnd
                while a < b && (bytes[a] == 0x20 || bytes[a] == 0x09) { a += 1 }
                while b > a && (bytes[b - 1] == 0x20 || bytes[b - 1] == 0x09) { b -= 1 }
                if b > a { body(UnsafeBufferPointer(rebasing: bytes[a..<b]), q) }
                start = end + 1
            }
        }
    }

    /// Whether ASCII bytes equal `token` ignoring case (`token` is lower-case ASCII).
    public static func equalsIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ token: String) -> Bool {
        guard bytes.count == token.utf8.count else { return false }
        var index = 0
        for expected in token.utf8 {
            let byte = bytes[index]
            let lower = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
            if lower != expected { return false }
            index += 1
        }
        return true
    }
}

extension Parameters {
    /// Parameters given by name, for a handler called with a request made in-process.
    public init(_ pairs: [(String, String)]) {
        self.init()
        for (name, value) in pairs { append(name, value) }
    }
}
