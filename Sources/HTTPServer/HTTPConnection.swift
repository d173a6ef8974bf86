#if canImport(Glibc)
import Glibc
#endif
import CLinux
import Logging

/// One client connection, driven by its event loop and used only on its thread (other
/// threads reach it through `LoopBound`, which asserts that in debug builds). Requests are answered strictly
/// in order: while a handler's promise is pending nothing more is parsed, and pipelined
/// bytes wait in `input`. Idle connections hold no buffers at all.
final class HTTPConnection {
    let fd: Int32
    let token: UInt64
    unowned let loop: EventLoop
    let peer: String
    /// What this connection counts against in the per-address cap.
    let addressKey: String
    /// The access log's name for the peer (nil: not logged).
    private let logPeer: String?
    /// Bytes reserved in the server's buffer budget for `input` and the body being parsed.
    private var held = 0
    /// Whether any byte arrived yet (a connection that sends nothing gets a short timeout).
    private var receivedAny = false
    private let acceptedAt: UInt64

    private var parser: RequestParser
    /// Received bytes not yet consumed by the parser.
    private var input: [UInt8] = []
    /// Response bytes the socket did not take yet.
    private var pendingOutput = PendingOutput()

    private var awaitingPromise = false
    /// Set once a streamed response's head is out: the connection then only carries it.
    private var streaming: ResponseStream?
    private var pending: ResponseContext?
    private var closeAfterWrite = false
    private var lingering = false
    private var lingerStart: UInt64 = 0
    private var peerClosed = false
    private(set) var closed = false
    private var interest: UInt32
    private var lastActivity: UInt64
    private var lastWriteProgress: UInt64 = 0
    private var requestStart: UInt64 = 0

    init(fd: Int32, token: UInt64, loop: EventLoop, peer: String, addressKey: String) {
        self.fd = fd
        self.token = token
        self.loop = loop
        self.peer = peer
        self.addressKey = addressKey
        self.logPeer = loop.server.accessLogPeer(peer)
        self.acceptedAt = loop.nowMillis
        self.parser = RequestParser(limits: loop.server.configuration.limits)
        self.interest = UInt32(CLINUX_EPOLLIN) | UInt32(CLINUX_EPOLLRDHUP)
        self.lastActivity = loop.nowMillis
    }

    // MARK: events

    func handle(events: UInt32) {
        if events & UInt32(CLINUX_EPOLLERR) != 0 {
            close()
            return
        }
        if events & UInt32(CLINUX_EPOLLOUT) != 0 {
            flushPending()
            if closed { return }
        }
        if events & (UInt32(CLINUX_EPOLLIN) | UInt32(CLINUX_EPOLLHUP) | UInt32(CLINUX_EPOLLRDHUP)) != 0 {
            readAvailable()
        }
    }

    private func readAvailable() {
        guard !closed else { return }
        let buffer = loop.readBuffer
        let n = read(fd, buffer.baseAddress, buffer.count)
        if n > 0 {
            lastActivity = loop.nowMillis
            receivedAny = true
            if lingering || streaming != nil { return }  // discarding what a refused or streamed-to client sends
            if !parser.isMidRequest && input.isEmpty { requestStart = loop.nowMillis }
            let bytes = UnsafeBufferPointer(start: buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), count: n)
            if input.isEmpty {
                let consumed = drive(bytes)
                if consumed < n && !closed && !closeAfterWrite {
                    input.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[consumed...]))
                }
            } else {
                input.append(contentsOf: bytes)
                resumeInput()
            }
            if !closed && !closeAfterWrite && !accountBuffers() { refuseOverBudget() }
            flushOutput()
        } else if n == 0 {
            peerClosed = true
            if awaitingPromise {
                // Finish the request in hand; the response may still be read (half-close).
                setInterest(0)
            } else {
                close()
            }
        } else if errno != EAGAIN && errno != EINTR {
            close()
        }
    }

    /// Parses and dispatches buffered input until it runs out or must wait.
    private func resumeInput() {
        guard !input.isEmpty else { return }
        let consumed = input.withUnsafeBufferPointer { drive($0) }
        if closed || closeAfterWrite {
            input = []
        } else if consumed == input.count {
            input = []
        } else if consumed > 0 {
            input.removeFirst(consumed)
        }
        if held > parser.heldBytes + input.capacity { _ = accountBuffers() }
    }

    /// Runs the parser over `bytes`; returns how many bytes it consumed.
    private func drive(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var offset = 0
        while !closed && !awaitingPromise && !closeAfterWrite && streaming == nil {
            if loop.output.count > 256 * 1024 || !pendingOutput.isEmpty { break }  // let the client read first
            let (consumed, event) = parser.parse(UnsafeBufferPointer(rebasing: bytes[offset...]))
            offset += consumed
            if (held > 0 || parser.heldBytes > 0) && !accountBuffers() {
                refuseOverBudget()
                return bytes.count
            }
            switch event {
            case .needMore:
                if consumed == 0 { return offset }
            case .expectsContinue:
                if offset == bytes.count { loop.output.append(contentsOf: ResponseEncoder.continueResponse) }
            case .request(var request):
                requestStart = offset < bytes.count ? loop.nowMillis : 0
                request.remoteAddress = peer
                request.startedAt = EventLoop.monotonicNanos()
                dispatch(&request)
            case .failure(let error):
                writeResponse(error.response, for: .unparsed, forceClose: true)
                return offset
            }
        }
        return offset
    }

    private func dispatch(_ request: inout Request) {
        let reply: Reply
        do {
            reply = try loop.server.responder.respond(to: &request)
        } catch {
            reply = .response(loop.server.errorResponse(error, request: request))
        }
        // From here on only what the response needs: copying the whole request (a dozen
        // references) into the pending slot and back cost thousands of instructions.
        let context = ResponseContext(request)
        switch reply {
        case .response(let response):
            writeResponse(response, for: context)
        case .promise(let promise):
            awaitingPromise = true
            pending = context
            var immediate: Response?
            let loop = self.loop
            let connection = LoopBound(self, on: loop)
            promise.complete(now: { immediate = $0 }, later: { response in
                loop.execute { connection.onLoop?.promiseCompleted(response) }
            })
            if let response = immediate {
                awaitingPromise = false
                pending = nil
                writeResponse(response, for: context)
            }
        }
    }

    private func promiseCompleted(_ response: Response) {
        guard !closed, awaitingPromise, let context = pending else { return }
        awaitingPromise = false
        pending = nil
        writeResponse(response, for: context)
        if peerClosed {
            closeAfterWrite = true
        } else {
            setInterest(UInt32(CLINUX_EPOLLIN) | UInt32(CLINUX_EPOLLRDHUP))
            resumeInput()
        }
        flushOutput()
    }

    private func writeResponse(_ response: Response, for request: ResponseContext, forceClose: Bool = false) {
        let keepAlive = request.keepAlive && !forceClose && !loop.draining
        let header: ResponseEncoder.ConnectionHeader
        if !keepAlive {
            header = .close
        } else if request.version == .http1_0 {
            header = .keepAlive
        } else {
            header = .none
        }
        if let stream = response.stream {
            if request.method == .head {
                stream.clientClosed()  // a HEAD gets the head only: the stream never starts
            } else {
                // The body is delimited by the connection's end: say so, then hand the stream a sink.
                ResponseEncoder.encode(response, date: loop.dateCache.line, connection: .close, includeBody: true, into: &loop.output)
                startStreaming(stream)
                loop.server.responded(request, peer: logPeer, status: response.status, bodyBytes: 0, on: loop)
                return
            }
        }
        ResponseEncoder.encode(response, date: loop.dateCache.line, connection: header,
                               includeBody: request.method != .head, into: &loop.output)
        if !keepAlive { closeAfterWrite = true }
        loop.server.responded(request, peer: logPeer, status: response.status, bodyBytes: response.body.count, on: loop)
    }

    // MARK: streams

    /// A streamed response's bytes never wait for more than this in a slow client's buffer
    /// (state messages aside: a newer one replaces those not begun, so they cannot pile up).
    static let maxStreamBacklog = 1 << 20

    private func startStreaming(_ stream: ResponseStream) {
        streaming = stream
        let loop = self.loop
        let connection = LoopBound(self, on: loop)
        let waiting = stream.attach(sink: { payload in
            loop.execute { connection.onLoop?.streamBytes(payload) }
        }, closer: {
            loop.execute { connection.onLoop?.endStream() }
        })
        loop.output.append(contentsOf: waiting)
    }

    /// Stream bytes go straight to `pendingOutput` as the producer's arrays (a message shared by
    /// many streams is not copied for each) and leave from there.
    private func streamBytes(_ payload: ResponseStream.Payload) {
        guard !closed, let stream = streaming, !closeAfterWrite else { return }
        flushOutput()  // what the loop buffered for this connection goes first
        guard !closed else { return }
        if pendingOutput.fixedCount > HTTPConnection.maxStreamBacklog {
            close()  // the client stopped reading; never buffer without bound
            return
        }
        let waiting = !pendingOutput.isEmpty
        switch payload {
        case .bytes(let bytes): pendingOutput.append(bytes)
        case .keepAlive(let bytes): if !waiting { pendingOutput.append(bytes) }
        case .state(let parts):
            let dropped = pendingOutput.dropUnsentStates()
            if dropped > 0 { stream.superseded(dropped) }
            pendingOutput.append(state: parts)
        }
        if waiting { return }  // the socket is full: written when it drains (flushPending)
        switch pendingOutput.write(to: fd) {
        case .done: break
        case .blocked:
            lastWriteProgress = loop.nowMillis  // the wait starts now, as in flushOutput
            setInterest(UInt32(CLINUX_EPOLLOUT))
        case .failed: close()
        }
    }

    private func endStream() {
        guard !closed, streaming != nil else { return }
        closeAfterWrite = true
        flushOutput()
    }

    // MARK: memory budget

    /// Brings this connection's reservation in line with what it holds; false if the
    /// server's budget has no room for the growth.
    private func accountBuffers() -> Bool {
        let want = parser.heldBytes + input.capacity
        if want > held {
            guard loop.server.budget.reserve(want - held) else { return false }
        } else if want < held {
            loop.server.budget.release(held - want)
        }
        held = want
        return true
    }

    private func releaseBuffers() {
        if held > 0 { loop.server.budget.release(held) }
        held = 0
    }

    /// Too many bytes are in flight server-wide: drop what this request holds and answer 503.
    private func refuseOverBudget() {
        // `input` may be borrowed by the caller here; it is dropped with the connection's close.
        parser = RequestParser(limits: loop.server.configuration.limits)
        releaseBuffers()
        var error = HTTPError(.serviceUnavailable, code: "overloaded",
                              message: "the server is receiving too many request bodies at once; retry shortly")
        error.headers.add("Retry-After", "1")
        writeResponse(error.response, for: .unparsed, forceClose: true)
    }

    // MARK: output

    /// Sends what this connection encoded into the loop's shared output buffer.
    private func flushOutput() {
        guard !loop.output.isEmpty else {
            afterWrite()
            return
        }
        if closed {
            loop.output.removeAll(keepingCapacity: true)
            return
        }
        if !pendingOutput.isEmpty {
            pendingOutput.append(Array(loop.output))  // a copy: the loop's buffer keeps its capacity
            loop.output.removeAll(keepingCapacity: true)
            return
        }
        let sent = loop.output.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if sent == loop.output.count {
            loop.output.removeAll(keepingCapacity: true)
            afterWrite()
            return
        }
        if sent < 0 && errno != EAGAIN && errno != EINTR {
            loop.output.removeAll(keepingCapacity: true)
            close()
            return
        }
        pendingOutput.append(Array(loop.output[max(0, sent)...]))
        loop.output.removeAll(keepingCapacity: true)
        lastWriteProgress = loop.nowMillis
        setInterest(UInt32(CLINUX_EPOLLOUT))
    }

    private func flushPending() {
        switch pendingOutput.write(to: fd) {
        case .done:
            lastWriteProgress = loop.nowMillis
        case .blocked(let wrote):
            if wrote { lastWriteProgress = loop.nowMillis }
            return
        case .failed:
            close()
            return
        }
        if !awaitingPromise { setInterest(UInt32(CLINUX_EPOLLIN) | UInt32(CLINUX_EPOLLRDHUP)) }
        afterWrite()
        if !closed && !closeAfterWrite && !awaitingPromise {
            resumeInput()
            flushOutput()
        }
    }

    /// After everything is written: close if asked to, lingering so the client reads the response.
    private func afterWrite() {
        guard closeAfterWrite, pendingOutput.isEmpty, !closed, !lingering else { return }
        if peerClosed {
            close()
            return
        }
        // Half-close and drain briefly: closing with unread input would reset the
        // connection and could destroy the response before the client reads it.
        shutdown(fd, Int32(SHUT_WR))
        lingering = true
        lingerStart = loop.nowMillis
        input = []
        setInterest(UInt32(CLINUX_EPOLLIN) | UInt32(CLINUX_EPOLLRDHUP))
    }

    private func setInterest(_ events: UInt32) {
        guard events != interest, !closed else { return }
        interest = events
        loop.modify(fd: fd, token: token, events: events)
    }

    // MARK: lifecycle

    func checkTimeouts(now: UInt64, configuration: ServerConfiguration, underPressure: Bool) {
        if closed || awaitingPromise { return }
        if streaming != nil && !lingering {
            // Streams are meant to be quiet; only a client that stopped reading is dropped.
            if !pendingOutput.isEmpty && now &- lastWriteProgress > UInt64(configuration.writeTimeout * 1000) { close() }
            return
        }
        if !receivedAny {
            // Never said a word: a connection that only holds a descriptor.
            if now &- acceptedAt > UInt64(configuration.firstByteTimeout * 1000) { close() }
            return
        }
        if lingering {
            if now &- lingerStart > 2000 { close() }
            return
        }
        if !pendingOutput.isEmpty {
            if now &- lastWriteProgress > UInt64(configuration.writeTimeout * 1000) { close() }
            return
        }
        if parser.isMidRequest || !input.isEmpty {
            let limit = parser.isInHead ? configuration.headerTimeout
                : parser.isSpooling ? max(configuration.requestTimeout, configuration.uploadTimeout) : configuration.requestTimeout
            if requestStart != 0 && now &- requestStart > UInt64(limit * 1000) {
                let error = HTTPError(.requestTimeout, code: "request_timeout", message: "the request was not received in time")
                writeResponse(error.response, for: .unparsed, forceClose: true)
                flushOutput()
            }
            return
        }
        let idleLimit = underPressure ? min(configuration.keepAliveTimeout, configuration.firstByteTimeout)
                                      : configuration.keepAliveTimeout
        if now &- lastActivity > UInt64(idleLimit * 1000) { close() }
    }

    /// Graceful shutdown: idle connections close now, busy ones after their response.
    func drain() {
        if streaming != nil {
            close()
            return
        }
        if awaitingPromise || !pendingOutput.isEmpty || parser.isMidRequest {
            // writeResponse sees loop.draining and closes after this response.
            return
        }
        close()
    }

    func close() {
        guard !closed else { return }
        closed = true
        loop.deregister(fd: fd)
        Glibc.close(fd)
        input = []
        pendingOutput.removeAll()
        parser = RequestParser(limits: loop.server.configuration.limits)
        releaseBuffers()
        if let stream = streaming {
            streaming = nil
            stream.clientClosed()
        }
        loop.connectionClosed(self)
    }
}
