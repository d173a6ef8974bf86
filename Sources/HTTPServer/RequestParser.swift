/// An incremental HTTP/1.1 request parser (RFC 9112). It is handed the unconsumed
/// bytes of a connection, says how many it consumed and what happened, and keeps just
/// enough state to resume. It rejects what request smuggling feeds on: bare LF or CR,
/// obs-fold, whitespace before a colon, duplicate or conflicting framing headers,
/// malformed chunks and an invalid or repeated `Host`.
public struct RequestParser {
    public enum Event {
        /// More bytes are needed; keep the unconsumed ones and call again.
        case needMore
        /// A head announcing `Expect: 100-continue` was read and its body is still to come.
        case expectsContinue
        case request(Request)
        /// The request cannot be answered normally; the connection must close after the error.
        case failure(HTTPError)
    }

    private enum State {
        case head
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers(bytes: Int)
    }

    public let limits: ParserLimits
    private var state: State = .head
    // Head scanning progress (relative to the first unconsumed byte).
    private var scanned = 0
    private var lineStart = 0
    private var lineCount = 0
    private var pending: Request?
    private var body: [UInt8] = []
    /// Where the body goes instead of `body` on a spooled route (uploads).
    private var spool: SpoolWriter?
    /// Body bytes received so far (de-chunked), checked against `bodyLimit`.
    private var received = 0
    private var bodyLimit = 0

    public init(limits: ParserLimits = ParserLimits()) {
        self.limits = limits
    }

    /// Bytes of memory this parser holds for a body still arriving (for the server's budget).
    public var heldBytes: Int { body.capacity }

    /// True while part of a request has been consumed or seen (for slow-request timeouts).
    public var isMidRequest: Bool {
        if case .head = state { return scanned > 0 }
        return true
    }

    public mutating func parse(_ buf: UnsafeBufferPointer<UInt8>) -> (consumed: Int, event: Event) {
        switch state {
        case .head:
            return parseHead(buf)
        case .fixedBody(let remaining):
            let take = min(remaining, buf.count)
            if take > 0, let failure = store(UnsafeBufferPointer(rebasing: buf[0..<take])) { return failure }
            if take == remaining { return (take, finish()) }
            state = .fixedBody(remaining: remaining - take)
            return (take, .needMore)
        case .chunkSize, .chunkData, .chunkDataEnd, .trailers:
            return parseChunked(buf)
        }
    }

    private mutating func finish() -> Event {
        // take(), not copy-then-nil: a Request copy retains a dozen references.
        var request = pending.take()!
        request.body = body
        request.bodyFile = spool.take()?.finish()
        body = []
        state = .head
        return .request(request)
    }

    private mutating func fail(_ status: HTTPStatus, _ code: String, _ message: String) -> (Int, Event) {
        state = .head
        pending = nil
        body = []
        spool = nil  // its file goes with it
        scanned = 0
        return (0, .failure(HTTPError(status, code: code, message: message)))
    }

    /// Keeps body bytes: in memory, or in the spool file; a failure event if the disk refused.
    private mutating func store(_ bytes: UnsafeBufferPointer<UInt8>) -> (Int, Event)? {
        received += bytes.count
        guard let spool else {
            body.append(contentsOf: bytes)
            return nil
        }
        do {
            try spool.write(bytes)
            return nil
        } catch {
            return storageFailure(error)
        }
    }

    private mutating func storageFailure(_ error: SpoolError) -> (Int, Event) {
        fail(.insufficientStorage, "insufficient_storage", "the upload could not be stored (\(error.description)); try again later")
    }

    // MARK: head

    private mutating func parseHead(_ buf: UnsafeBufferPointer<UInt8>) -> (consumed: Int, event: Event) {
        // RFC 9112 §2.2: ignore empty lines received before the request-line.
        var skipped = 0
        if scanned == 0 {
            while skipped + 1 < buf.count, buf[skipped] == CR, buf[skipped + 1] == LF { skipped += 2 }
            if skipped > 0 { return (skipped, .needMore) }
        }
        var i = scanned
        let n = buf.count
        while i < n {
            let byte = buf[i]
            if byte == LF {
                guard i > lineStart, buf[i - 1] == CR else {
                    return fail(.badRequest, "bad_request", "line ends with a bare LF; CRLF is required")
                }
                let lineLength = i - 1 - lineStart
                if lineCount == 0 {
                    if lineLength > limits.maxRequestLine {
                        return fail(.uriTooLong, "uri_too_long", "the request line is longer than \(limits.maxRequestLine) bytes")
                    }
                } else if lineLength == 0 {
                    let headEnd = i + 1
                    scanned = 0
                    lineStart = 0
                    lineCount = 0
                    return beginBody(UnsafeBufferPointer(rebasing: buf[0..<headEnd]))
                }
                lineCount += 1
                lineStart = i + 1
            }
            i += 1
            if lineCount == 0 && i - lineStart > limits.maxRequestLine + 1 {
                return fail(.uriTooLong, "uri_too_long", "the request line is longer than \(limits.maxRequestLine) bytes")
            }
            if i > limits.maxHeaderBytes {
                return fail(.headersTooLarge, "headers_too_large", "the header block is larger than \(limits.maxHeaderBytes) bytes")
            }
        }
        scanned = i
        return (0, .needMore)
    }

    private mutating func beginBody(_ head: UnsafeBufferPointer<UInt8>) -> (consumed: Int, event: Event) {
        let parsed = HeadParser.parse(head, limits: limits)
        let request: Request
        let framing: HeadParser.Framing
        switch consume parsed {
        case .failure(let error):
            return fail(error.status, error.code, error.message)
        case .success(let result):
            request = result.request
            framing = result.framing
        }
        switch framing {
        case .none:
            // No body: straight out, without a round trip through `pending`.
            body = []
            state = .head
            return (head.count, .request(request))
        case .length, .chunked:
            received = 0
            let spoolTo = limits.spool.flatMap { $0.matches(request.method, request.path) ? $0 : nil }
            bodyLimit = spoolTo?.maxBytes ?? limits.maxBodyBytes
            if case .length(let length) = framing, length > bodyLimit { return tooLarge() }
            if let policy = spoolTo {
                do { spool = try SpoolWriter(directory: policy.directory) } catch { return storageFailure(error) }
            }
            pending = request
            body = []
            if case .length(let length) = framing {
                if spool == nil { body.reserveCapacity(length) }
                state = .fixedBody(remaining: length)
            } else {
                state = .chunkSize
            }
        }
        let expects = request.headers.count(of: "expect") > 0 && request.version == .http1_1
        return (head.count, expects ? .expectsContinue : .needMore)
    }

    private mutating func tooLarge() -> (Int, Event) {
        fail(.payloadTooLarge, "payload_too_large", "the body is larger than \(bodyLimit) bytes")
    }

    // MARK: chunked body (RFC 9112 §7.1)

    private mutating func parseChunked(_ buf: UnsafeBufferPointer<UInt8>) -> (consumed: Int, event: Event) {
        var offset = 0
        while true {
            let rest = UnsafeBufferPointer(rebasing: buf[offset...])
            switch state {
            case .chunkSize:
                guard let lineEnd = findCRLF(rest, limit: limits.maxChunkLine) else {
                    if rest.count > limits.maxChunkLine || containsBareLF(rest) {
                        return fail(.badRequest, "bad_request", "malformed chunk-size line")
                    }
                    return (offset, .needMore)
                }
                guard let size = parseChunkSize(UnsafeBufferPointer(rebasing: rest[0..<lineEnd])) else {
                    return fail(.badRequest, "bad_request", "malformed chunk-size line")
                }
                offset += lineEnd + 2
                if size == 0 {
                    state = .trailers(bytes: 0)
                } else {
                    if received + size > bodyLimit { return tooLarge() }
                    state = .chunkData(remaining: size)
                }
            case .chunkData(let remaining):
                let take = min(remaining, rest.count)
                if take == 0 { return (offset, .needMore) }
                if let failure = store(UnsafeBufferPointer(rebasing: rest[0..<take])) { return failure }
                offset += take
                state = take == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - take)
            case .chunkDataEnd:
                if rest.count < 2 {
                    if rest.count == 1 && rest[0] != CR { return fail(.badRequest, "bad_request", "chunk data is not followed by CRLF") }
                    return (offset, .needMore)
                }
                guard rest[0] == CR, rest[1] == LF else {
                    return fail(.badRequest, "bad_request", "chunk data is not followed by CRLF")
                }
                offset += 2
                state = .chunkSize
            case .trailers(let bytes):
                guard let lineEnd = findCRLF(rest, limit: limits.maxTrailerBytes) else {
                    if bytes + rest.count > limits.maxTrailerBytes {
                        return fail(.headersTooLarge, "headers_too_large", "the trailer section is too large")
                    }
                    if containsBareLF(rest) { return fail(.badRequest, "bad_request", "line ends with a bare LF; CRLF is required") }
                    return (offset, .needMore)
                }
                if lineEnd == 0 {
                    offset += 2
                    return (offset, finish())
                }
                guard HeadParser.isValidFieldLine(UnsafeBufferPointer(rebasing: rest[0..<lineEnd])) else {
                    return fail(.badRequest, "bad_request", "malformed trailer field")
                }
                if bytes + lineEnd + 2 > limits.maxTrailerBytes {
                    return fail(.headersTooLarge, "headers_too_large", "the trailer section is too large")
                }
                offset += lineEnd + 2
                state = .trailers(bytes: bytes + lineEnd + 2)
            case .head, .fixedBody:
                preconditionFailure("parseChunked in a non-chunked state")
            }
        }
    }

    /// chunk-size [ chunk-ext ]: 1–15 hex digits, then nothing or extensions exactly as RFC 9112
    /// (section 7.1.1) writes them. They are ignored, but one that is malformed (an unclosed
    /// quote, a bare `=`, stray bytes) is refused rather than guessed at: an intermediary that
    /// read it differently would see another chunk boundary (request smuggling).
    private func parseChunkSize(_ line: UnsafeBufferPointer<UInt8>) -> Int? {
        var size = 0
        var i = 0
        while i < line.count, let digit = PercentDecoding.hexValue(line[i]) {
            size = size << 4 | Int(digit)
            i += 1
            if i > 15 { return nil }
        }
        if i == 0 { return nil }
        return Self.areValidChunkExtensions(UnsafeBufferPointer(rebasing: line[i...])) ? size : nil
    }

    /// chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ), where a name is
    /// a token and a value a token or a quoted-string.
    private static func areValidChunkExtensions(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        var k = 0
        func skipWhitespace() { while k < text.count, text[k] == SP || text[k] == HT { k += 1 } }
        func skipToken() -> Bool {
            let start = k
            while k < text.count, HeadParser.isTchar(text[k]) { k += 1 }
            return k > start
        }
        while k < text.count {
            skipWhitespace()
            guard k < text.count, text[k] == UInt8(ascii: ";") else { return false }
            k += 1
            skipWhitespace()
            guard skipToken() else { return false }
            let afterName = k
            skipWhitespace()
            guard k < text.count, text[k] == UInt8(ascii: "=") else {
                k = afterName  // no value: whitespace here must lead to the next ";"
                continue
            }
            k += 1
            skipWhitespace()
            guard k < text.count else { return false }
            if text[k] != UInt8(ascii: "\"") {
                guard skipToken() else { return false }
                continue
            }
            // quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE
            k += 1
            var closed = false
            while k < text.count {
                let b = text[k]
                if b == UInt8(ascii: "\"") { k += 1; closed = true; break }
                if b == UInt8(ascii: "\\") {
                    guard k + 1 < text.count, HeadParser.isFieldValueByte(text[k + 1]) else { return false }
                    k += 2
                    continue
                }
                guard HeadParser.isFieldValueByte(b) else { return false }
                k += 1
            }
            guard closed else { return false }
        }
        return true
    }

    private func findCRLF(_ buf: UnsafeBufferPointer<UInt8>, limit: Int) -> Int? {
        let n = min(buf.count, limit + 2)
        var i = 0
        while i + 1 < n {
            if buf[i] == CR {
                if buf[i + 1] == LF { return i }
                return nil
            }
            if buf[i] == LF { return nil }
            i += 1
        }
        return nil
    }

    private func containsBareLF(_ buf: UnsafeBufferPointer<UInt8>) -> Bool {
        for i in 0..<buf.count {
            if buf[i] == LF && (i == 0 || buf[i - 1] != CR) { return true }
            if buf[i] == CR && i + 1 < buf.count && buf[i + 1] != LF { return true }
        }
        return false
    }
}

let CR: UInt8 = 0x0D
let LF: UInt8 = 0x0A
let SP: UInt8 = 0x20
let HT: UInt8 = 0x09

extension RequestParser {
    /// True while a body is being written to a spool file (an upload: it gets longer to arrive).
    public var isSpooling: Bool { spool != nil }

    /// True while the request head is still being received.
    public var isInHead: Bool {
        if case .head = state { return true }
        return false
    }
}
