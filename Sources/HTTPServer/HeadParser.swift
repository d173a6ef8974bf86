/// Parses a complete request head (request line + header fields + the final CRLF)
/// and decides the body framing. Pure and synchronous, so it is easy to test and fuzz.
enum HeadParser {
    enum Framing: Equatable {
        case none
        case length(Int)
        case chunked
    }

    struct Result {
        var request: Request
        var framing: Framing
    }

    static func parse(_ head: UnsafeBufferPointer<UInt8>, limits: ParserLimits) -> Swift.Result<Result, HTTPError> {
        // Count the lines first (the scanner already guaranteed every line ends in CRLF); the
        // field lines are walked again below, so no array of line ranges is built per request.
        var lineCount = 0
        var firstLineEnd = -1
        var lastLineEmpty = false
        var lineStart = 0
        var i = 0
        while i + 1 < head.count {
            if head[i] == CR && head[i + 1] == LF {
                if firstLineEnd < 0 { firstLineEnd = i }
                lastLineEmpty = i == lineStart
                lineCount += 1
                lineStart = i + 2
                i += 2
            } else {
                i += 1
            }
        }
        // The last line is the empty one that ends the head.
        guard lineCount >= 2, lastLineEmpty else { return .failure(bad("malformed request head")) }
        let fieldCount = lineCount - 2
        if fieldCount > limits.maxHeaderCount {
            return .failure(HTTPError(.headersTooLarge, code: "headers_too_large",
                                      message: "more than \(limits.maxHeaderCount) header fields"))
        }

        // Request line: method SP request-target SP HTTP-version
        let requestLine = UnsafeBufferPointer(rebasing: head[0..<firstLineEnd])
        guard let sp1 = requestLine.firstIndex(of: SP), sp1 > 0 else { return .failure(bad("malformed request line")) }
        let methodBytes = UnsafeBufferPointer(rebasing: requestLine[0..<sp1])
        for byte in methodBytes where !isTchar(byte) { return .failure(bad("malformed method")) }
        let afterMethod = UnsafeBufferPointer(rebasing: requestLine[(sp1 + 1)...])
        guard let sp2 = afterMethod.firstIndex(of: SP), sp2 > 0 else { return .failure(bad("malformed request line")) }
        let targetBytes = UnsafeBufferPointer(rebasing: afterMethod[0..<sp2])
        let versionBytes = UnsafeBufferPointer(rebasing: afterMethod[(sp2 + 1)...])
        let version: HTTPVersion
        switch parseVersion(versionBytes) {
        case .failure(let error): return .failure(error)
        case .success(let v): version = v
        }
        for byte in targetBytes where byte <= 0x20 || byte >= 0x7F || byte == UInt8(ascii: "#") {
            return .failure(bad("the request target contains a character that is not allowed"))
        }
        let method = HTTPMethod(bytes: methodBytes)
        var target = String(decoding: targetBytes, as: UTF8.self)
        var absoluteAuthority: String?
        if targetBytes[0] == UInt8(ascii: "/") {
            // origin-form
        } else if targetBytes.count == 1 && targetBytes[0] == UInt8(ascii: "*") {
            guard method == .options else { return .failure(bad("the asterisk form is only for OPTIONS")) }
        } else if let split = splitAbsoluteForm(target) {
            absoluteAuthority = split.authority
            target = split.pathAndQuery
        } else {
            if method == .connect {
                return .failure(HTTPError(.notImplemented, code: "not_implemented", message: "CONNECT is not supported"))
            }
            return .failure(bad("malformed request target"))
        }

        // Header fields
        var headers = HTTPHeaders(capacity: fieldCount + (absoluteAuthority == nil ? 0 : 1))
        var hostCount = 0, hostValue = ""
        var lengthCount = 0, lengthValue = ""
        var transferCodings: [String] = []
        var sawTransferEncoding = false
        var connectionClose = false, connectionKeepAlive = false
        var expectValue: String?
        var authorizationCount = 0
        var fieldStart = firstLineEnd + 2
        for _ in 0..<fieldCount {
            var fieldEnd = fieldStart
            while !(head[fieldEnd] == CR && head[fieldEnd + 1] == LF) { fieldEnd += 1 }
            let line = UnsafeBufferPointer(rebasing: head[fieldStart..<fieldEnd])
            fieldStart = fieldEnd + 2
            if line[0] == SP || line[0] == HT {
                return .failure(bad("obsolete line folding is not accepted"))
            }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0 else {
                return .failure(bad("malformed header field"))
            }
            let nameBytes = UnsafeBufferPointer(rebasing: line[0..<colon])
            for byte in nameBytes where !isTchar(byte) {
                return .failure(bad("malformed header field name"))
            }
            var vs = colon + 1, ve = line.count
            while vs < ve, line[vs] == SP || line[vs] == HT { vs += 1 }
            while ve > vs, line[ve - 1] == SP || line[ve - 1] == HT { ve -= 1 }
            let valueBytes = UnsafeBufferPointer(rebasing: line[vs..<ve])
            for byte in valueBytes where !isFieldValueByte(byte) {
                return .failure(bad("a header field value contains a control character"))
            }
            let name = String(decoding: nameBytes, as: UTF8.self)
            let value = String(decoding: valueBytes, as: UTF8.self)
            switch nameBytes.count {
            case 4 where asciiEquals(nameBytes, "host"):
                hostCount += 1
                hostValue = value
            case 6 where asciiEquals(nameBytes, "expect"):
                expectValue = value
            case 10 where asciiEquals(nameBytes, "connection"):
                for token in value.headerListElements() {
                    if token.caseInsensitiveEquals("close") { connectionClose = true }
                    if token.caseInsensitiveEquals("keep-alive") { connectionKeepAlive = true }
                }
            case 13 where asciiEquals(nameBytes, "authorization"):
                // A singleton field (RFC 9110 §11.6.2): two credentials are ambiguous, and
                // proxies and servers may disagree on which one counts.
                authorizationCount += 1
                if authorizationCount > 1 { return .failure(bad("more than one Authorization header field")) }
            case 14 where asciiEquals(nameBytes, "content-length"):
                lengthCount += 1
                lengthValue = value
            case 17 where asciiEquals(nameBytes, "transfer-encoding"):
                sawTransferEncoding = true
                let codings = value.headerListElements()
                if codings.isEmpty { return .failure(bad("empty Transfer-Encoding")) }
                transferCodings.append(contentsOf: codings)
            default:
                break
            }
            headers.add(name, value)
        }

        // Host (RFC 9112 §3.2): exactly one in HTTP/1.1, and well-formed.
        if hostCount > 1 { return .failure(bad("more than one Host header field")) }
        if hostCount == 0 && version == .http1_1 { return .failure(bad("HTTP/1.1 requests need a Host header field")) }
        if hostCount == 1 && !isValidHost(hostValue) { return .failure(bad("invalid Host header field")) }
        if let authority = absoluteAuthority {
            guard isValidHost(authority) else { return .failure(bad("invalid authority in the request target")) }
            headers.set("Host", authority)
        }

        // Framing (RFC 9112 §6.1–6.3). Anything ambiguous is refused rather than guessed.
        var framing = Framing.none
        if sawTransferEncoding {
            if lengthCount > 0 { return .failure(bad("both Transfer-Encoding and Content-Length are present")) }
            if version == .http1_0 { return .failure(bad("Transfer-Encoding is not allowed in HTTP/1.0")) }
            let chunkedCount = transferCodings.filter { $0.caseInsensitiveEquals("chunked") }.count
            guard let last = transferCodings.last, last.caseInsensitiveEquals("chunked") else {
                if transferCodings.allSatisfy({ isToken($0) }) && chunkedCount == 0 {
                    return .failure(HTTPError(.notImplemented, code: "not_implemented",
                                              message: "unsupported transfer coding"))
                }
                return .failure(bad("chunked must be the final transfer coding"))
            }
            if chunkedCount > 1 { return .failure(bad("chunked is applied more than once")) }
            if transferCodings.count > 1 {
                return .failure(HTTPError(.notImplemented, code: "not_implemented", message: "unsupported transfer coding"))
            }
            framing = .chunked
        } else if lengthCount > 1 {
            return .failure(bad("more than one Content-Length header field"))
        } else if lengthCount == 1 {
            guard let length = parseContentLength(lengthValue) else { return .failure(bad("invalid Content-Length")) }
            if length > 0 { framing = .length(length) }
        }

        if let expectation = expectValue, version == .http1_1, !expectation.caseInsensitiveEquals("100-continue") {
            return .failure(HTTPError(.expectationFailed, code: "expectation_failed",
                                      message: "only the 100-continue expectation is supported"))
        }

        var request = Request(method: method, target: target, version: version, headers: headers)
        request.keepAlive = version == .http1_1 ? !connectionClose : (connectionKeepAlive && !connectionClose)
        if framing == .none && (expectValue != nil) {
            // Nothing to continue: drop the expectation so no interim response is sent.
            request.headers.remove("expect")
        }
        return .success(Result(request: request, framing: framing))
    }

    static func bad(_ message: String) -> HTTPError {
        HTTPError(.badRequest, code: "bad_request", message: message)
    }

    static func parseVersion(_ bytes: UnsafeBufferPointer<UInt8>) -> Swift.Result<HTTPVersion, HTTPError> {
        guard bytes.count == 8,
              bytes[0] == UInt8(ascii: "H"), bytes[1] == UInt8(ascii: "T"), bytes[2] == UInt8(ascii: "T"),
              bytes[3] == UInt8(ascii: "P"), bytes[4] == UInt8(ascii: "/"), bytes[6] == UInt8(ascii: "."),
              isDigit(bytes[5]), isDigit(bytes[7]) else {
            return .failure(bad("malformed HTTP version"))
        }
        let major = Int(bytes[5] - 48), minor = Int(bytes[7] - 48)
        guard major == 1 else {
            return .failure(HTTPError(.versionNotSupported, code: "http_version_not_supported",
                                      message: "only HTTP/1.0 and HTTP/1.1 are supported"))
        }
        return .success(minor == 0 ? .http1_0 : .http1_1)
    }

    /// 1*DIGIT, at most 18 digits (so it fits an Int).
    static func parseContentLength(_ value: String) -> Int? {
        let utf8 = value.utf8
        guard !utf8.isEmpty, utf8.count <= 18 else { return nil }
        var result = 0
        for byte in utf8 {
            guard isDigit(byte) else { return nil }
            result = result * 10 + Int(byte - 48)
        }
        return result
    }

    /// `http://authority/path?query` → authority and `/path?query`.
    static func splitAbsoluteForm(_ target: String) -> (authority: String, pathAndQuery: String)? {
        let lower = target.lowercased()
        let schemeLength: Int
        if lower.hasPrefix("http://") { schemeLength = 7 } else if lower.hasPrefix("https://") { schemeLength = 8 } else { return nil }
        let rest = target.dropFirst(schemeLength)
        let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = String(rest[..<end])
        guard !authority.isEmpty, !authority.contains("@") else { return nil }
        var path = String(rest[end...])
        if path.isEmpty || path.hasPrefix("?") { path = "/" + path }
        return (authority, path)
    }

    /// host = uri-host [ ":" port ], uri-host = IP-literal / IPv4address / reg-name (RFC 3986).
    static func isValidHost(_ value: String) -> Bool {
        var value = value
        return value.withUTF8 { isValidHost(bytes: $0) }
    }

    static func isValidHost(bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        if bytes.isEmpty { return true }
        var portStart: Int?
        if bytes[0] == UInt8(ascii: "[") {
            guard let close = bytes.firstIndex(of: UInt8(ascii: "]")), close > 1 else { return false }
            for i in 1..<close {
                let b = bytes[i]
                guard isHexDigit(b) || b == UInt8(ascii: ":") || b == UInt8(ascii: ".") else { return false }
            }
            if close + 1 < bytes.count {
                guard bytes[close + 1] == UInt8(ascii: ":") else { return false }
                portStart = close + 2
            }
        } else {
            var end = bytes.count
            if let colon = bytes.firstIndex(of: UInt8(ascii: ":")) {
                end = colon
                portStart = colon + 1
            }
            for i in 0..<end where !isRegNameByte(bytes[i]) { return false }
        }
        if let portStart {
            let digits = bytes.count - portStart
            guard digits <= 5 else { return false }
            var number = 0
            for i in portStart..<bytes.count {
                guard isDigit(bytes[i]) else { return false }
                number = number * 10 + Int(bytes[i] - 48)
            }
            if number > 65535 { return false }
        }
        return true
    }

    @inline(__always) static func isHexDigit(_ b: UInt8) -> Bool {
        isDigit(b) || (b >= 65 && b <= 70) || (b >= 97 && b <= 102)
    }

    /// reg-name bytes (RFC 3986 §3.2.2): unreserved, sub-delims and `%` of pct-encoded.
    @inline(__always) static func isRegNameByte(_ b: UInt8) -> Bool {
        if isAlnum(b) { return true }
        switch b {
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "!"), UInt8(ascii: "$"),
             UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"),
             UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="), UInt8(ascii: "%"):
            return true
        default:
            return false
        }
    }

    static func isValidFieldLine(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0 else { return false }
        for i in 0..<colon where !isTchar(line[i]) { return false }
        for i in (colon + 1)..<line.count where !isFieldValueByte(line[i]) { return false }
        return true
    }

    static func isToken(_ text: String) -> Bool { !text.isEmpty && text.utf8.allSatisfy(isTchar) }

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
    @inline(__always) static func isAlnum(_ b: UInt8) -> Bool {
        isDigit(b) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122)
    }

    /// HTAB, SP, visible ASCII and obs-text: a field value's bytes, and a quoted-string's (RFC 9110 5.5, 5.6.4).
    @inline(__always) static func isFieldValueByte(_ b: UInt8) -> Bool { b == HT || (b >= 0x20 && b != 0x7F) }

    /// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
    @inline(__always) static func isTchar(_ b: UInt8) -> Bool {
        if isAlnum(b) { return true }
        switch b {
        case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x5E, 0x5F, 0x60, 0x7C, 0x7E: return true
        default: return false
        }
    }

    @inline(__always) static func asciiEquals(_ bytes: UnsafeBufferPointer<UInt8>, _ lower: StaticString) -> Bool {
        guard bytes.count == lower.utf8CodeUnitCount else { return false }
        let other = lower.utf8Start
        for i in 0..<bytes.count {
            var b = bytes[i]
            if b >= 65 && b <= 90 { b += 32 }
            if b != other[i] { return false }
        }
        return true
    }
}
