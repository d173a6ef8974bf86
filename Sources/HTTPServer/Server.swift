#if canImport(Glibc)
import Glibc
#endif
import CLinux
import Foundation
import JSON
import Logging
import Synchronization

/// Answers requests; the router is the usual one.
public protocol HTTPResponder: Sendable {
    func respond(to request: inout Request) throws -> Reply
}

extension Router: HTTPResponder {}

/// Takes access-log lines as bytes. Going through `Logger` costs a `String`, a log event and
/// the handler's own buffer per request (~10,000 instructions, a quarter of a `GET /healthz`);
/// a sink copies the bytes into its buffer. `message` is the line without timestamp, level,
/// label or newline, which the sink adds. Called on event-loop threads.
public protocol AccessLogSink: AnyObject, Sendable {
    func appendAccessLine(_ message: UnsafeRawBufferPointer)
}

/// Observes every response, e.g. for metrics. Called on the event-loop thread: keep it cheap.
public protocol ServerObserver: AnyObject, Sendable {
    func responded(method: HTTPMethod, route: String?, status: Int, durationNanos: UInt64)
    func connectionsChanged(open: Int)
}

/// The HTTP/1.1 server: event loops (`ServerConfiguration.loopCount`) over epoll, non-blocking sockets,
/// no thread per connection. Knows nothing of what it serves.
/// `@unchecked Sendable`: configuration and responder are immutable; `loops` and `port` are set
/// by `start()` before any loop thread runs and not changed after; counters are in a `Mutex`.
public final class Server: @unchecked Sendable {
    public let configuration: ServerConfiguration
    let responder: HTTPResponder
    public let logger: Logger
    public weak var observer: ServerObserver?
    private var loops: [EventLoop] = []
    /// Open connections across loops, and whether `shutdown` has begun.
    private let counters = Mutex((open: 0, stopped: false))
    let maxConnectionsPerLoop: Int
    /// Connections per client address, across loops.
    let admission: ConnectionAdmission
    /// Bytes held for requests still arriving, across loops.
    let budget: BufferBudget
    public private(set) var port = 0

    /// Answers to connections refused at accept, written once without reading the request.
    static let tooManyConnections = Server.refusal(HTTPError(.tooManyRequests, code: "too_many_connections",
        message: "too many open connections from your address; close some and retry"))
    static let overloaded = Server.refusal(HTTPError(.serviceUnavailable, code: "overloaded",
        message: "the server has no room for another connection now; retry shortly"))

    private static func refusal(_ error: HTTPError) -> [UInt8] {
        var response = error.response
        response.headers.add("Retry-After", "1")
        var bytes: [UInt8] = []
        ResponseEncoder.encode(response, date: [], connection: .close, includeBody: true, into: &bytes)
        return bytes
    }

    /// Process-wide malloc settings, once: buffers of 128 KiB and more are mapped on their
    /// own and unmapped when freed. (The arena cap is the program's to set before its threads
    /// start, `groundswell serve`: set here it came after glibc had fixed its limit.)
    private static let mallocTuned: Void = {
        clinux_tune_malloc(128 * 1024)
    }()

    public init(configuration: ServerConfiguration, responder: HTTPResponder, logger: Logger) {
        self.configuration = configuration
        self.responder = responder
        self.logger = logger
        let fileLimit = Listener.raiseOpenFileLimit()
        let usable = max(64, min(configuration.maxConnections, fileLimit - 64))
        maxConnectionsPerLoop = max(16, usable / max(1, configuration.loopCount))
        admission = ConnectionAdmission(limit: configuration.maxConnectionsPerAddress)
        budget = BufferBudget(limit: configuration.maxBufferedBytes)
        Server.mallocTuned
    }

    /// Whether this loop's connections are near its share of the limit: idle keep-alive
    /// connections then get the short first-byte timeout instead of the long idle one.
    func underPressure(loopConnections: Int) -> Bool {
        loopConnections * 4 >= maxConnectionsPerLoop * 3
    }

    /// Binds and starts the loops; returns the bound port (useful with port 0).
    @discardableResult
    public func start() throws -> Int {
        signal(SIGPIPE, SIG_IGN)
        let count = max(1, configuration.loopCount)
        var fds: [Int32] = []
        do {
            let first = try Listener.open(host: configuration.host, port: configuration.port)
            fds.append(first)
            port = Listener.boundPort(first)
            for _ in 1..<count { fds.append(try Listener.open(host: configuration.host, port: port)) }
            for (index, fd) in fds.enumerated() {
                loops.append(try EventLoop(index: index, server: self, listenFD: fd))
            }
        } catch {
            for fd in fds { close(fd) }
            throw error
        }
        for loop in loops { loop.start() }
        return port
    }

    /// Stops accepting, lets in-flight requests finish (up to the grace period), then returns.
    public func shutdown() {
        let already = counters.withLock { counters in
            defer { counters.stopped = true }
            return counters.stopped
        }
        guard !already else { return }
        let grace = configuration.shutdownGrace
        for loop in loops { loop.execute { loop.beginDrain(grace: grace) } }
        for loop in loops { loop.finished.wait() }
    }

    /// Bytes held now for requests still being received (bodies, unfinished heads).
    public var bufferedBytes: Int { budget.inUse }

    public var connectionCount: Int { counters.withLock { $0.open } }

    func connectionOpened() { adjustConnections(1) }

    /// How the access log names a peer (nil: not at all); worked out once per connection.
    func accessLogPeer(_ peer: String) -> String? {
        switch configuration.accessLogAddresses {
        case .plain: return peer
        case .off: return nil
        case .transformed(let transform): return transform(peer)
        }
    }
    func connectionClosed() {
        closedSinceTrim.add(1, ordering: .relaxed)
        adjustConnections(-1)
    }

    private func adjustConnections(_ delta: Int) {
        let open = counters.withLock { counters in
            counters.open += delta
            return counters.open
        }
        observer?.connectionsChanged(open: open)
    }

    /// Gives freed heap memory back to the system when much was released since last time
    /// (called from a loop's once-a-second sweep; the trim itself runs off the loop).
    private let trimming = Atomic<Bool>(false)
    func trimMemoryIfWorthIt() {
        guard budget.takeReleased() >= 8 << 20 || closedSinceTrim.exchange(0, ordering: .relaxed) >= 1000 else { return }
        guard !trimming.exchange(true, ordering: .acquiring) else { return }
        DispatchQueue.global(qos: .utility).async { [self] in
            clinux_trim_memory()
            trimming.store(false, ordering: .releasing)
        }
    }
    let closedSinceTrim = Atomic<Int>(0)

    /// The one place a thrown error becomes a response.
    func errorResponse(_ error: Error, request: Request) -> Response {
        if let error = error as? HTTPError { return error.response }
        logger.error("unhandled error for \(request.method) \(request.path): \(error)")
        return HTTPError.internalError.response
    }

    func responded(_ request: ResponseContext, peer: String?, status: HTTPStatus, bodyBytes: Int, on loop: EventLoop) {
        let duration = request.startedAt == 0 ? 0 : EventLoop.monotonicNanos() &- request.startedAt
        observer?.responded(method: request.method, route: request.route, status: status.code, durationNanos: duration)
        if configuration.accessLog && logger.logLevel <= .info {
            let micros = duration / 1000
            let fraction = micros % 1000
            // Bytes, not String interpolation: generic interpolation looks up conformances at
            // run time and String appends are slow; this line is written for every request.
            // The loop's scratch buffer keeps its capacity from one request to the next.
            var line = loop.scratch
            loop.scratch = []
            line.removeAll(keepingCapacity: true)
            line.append(contentsOf: request.method.description.utf8)
            line.append(0x20)
            line.append(contentsOf: request.path.utf8)
            line.append(0x20)
            DecimalDigits.append(UInt64(max(0, status.code)), to: &line)
            line.append(0x20)
            DecimalDigits.append(micros / 1000, to: &line)
            line.append(UInt8(ascii: "."))
            if fraction < 100 { line.append(UInt8(ascii: "0")) }
            if fraction < 10 { line.append(UInt8(ascii: "0")) }
            DecimalDigits.append(fraction, to: &line)
            line.append(contentsOf: "ms".utf8)
            if let peer {
                line.append(contentsOf: " peer=".utf8)
                line.append(contentsOf: peer.utf8)
            }
            if let sink = configuration.accessLogSink {
                line.withUnsafeBytes { sink.appendAccessLine($0) }
            } else {
                logger.info(Logger.Message(stringLiteral: String(decoding: line, as: UTF8.self)))
            }
            loop.scratch = line
        }
    }
}
