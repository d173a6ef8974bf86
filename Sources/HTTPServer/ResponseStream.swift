import Synchronization

/// The body of a response that never ends by itself (server-sent events): the head goes out
/// without a `Content-Length`, then whatever any thread `send`s, until either side closes.
/// The connection attaches itself when it writes the head; bytes sent before that wait.
/// Producers never touch the connection: bytes hop to its event loop.
public final class ResponseStream: Sendable {
    /// What one `send` queues: one array (no array of arrays made for the common case), or parts.
    enum Payload: Sendable {
        case bytes([UInt8])
        case parts([[UInt8]])
    }

    private struct State {
        var sink: (@Sendable (Payload) -> Void)?
        var closer: (@Sendable () -> Void)?
        var waiting: [UInt8] = []
        var closed = false
        var onClose: [@Sendable () -> Void] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// Queues `bytes` for the client; dropped once the stream is closed.
    public func send(_ bytes: [UInt8]) { send(.bytes(bytes)) }

    /// Queues `parts` as one message: nothing another thread sends lands between them. A large
    /// part shared by many streams (a round's leaderboard) is then passed along, not copied
    /// into a new message for each.
    public func send(parts: [[UInt8]]) { send(.parts(parts)) }

    private func send(_ payload: Payload) {
        let sink = state.withLock { state -> (@Sendable (Payload) -> Void)? in
            guard !state.closed else { return nil }
            if state.sink == nil {
                switch payload {
                case .bytes(let bytes): state.waiting += bytes
                case .parts(let parts): for part in parts { state.waiting += part }
                }
            }
            return state.sink
        }
        sink?(payload)
    }

    /// Ends the stream from the server's side (the connection closes after what is queued).
    public func close() {
        let (closer, handlers) = state.withLock { state -> ((@Sendable () -> Void)?, [@Sendable () -> Void]) in
            guard !state.closed else { return (nil, []) }
            state.closed = true
            defer { state.onClose = [] }
            return (state.closer, state.onClose)
        }
        closer?()
        for handler in handlers { handler() }
    }

    public var isClosed: Bool { state.withLock { $0.closed } }

    /// Calls `body` once the stream ends, from either side (now, if it already has).
    public func onClose(_ body: @escaping @Sendable () -> Void) {
        let now = state.withLock { state -> Bool in
            if state.closed { return true }
            state.onClose.append(body)
            return false
        }
        if now { body() }
    }

    /// The connection's side: where bytes go from now on, and how to end it; returns what waited.
    func attach(sink: @escaping @Sendable (Payload) -> Void, closer: @escaping @Sendable () -> Void) -> [UInt8] {
        state.withLock { state in
            state.sink = sink
            state.closer = closer
            defer { state.waiting = [] }
            return state.waiting
        }
    }

    /// The client went away.
    func clientClosed() {
        let handlers = state.withLock { state -> [@Sendable () -> Void] in
            guard !state.closed else { return [] }
            state.closed = true
            state.sink = nil
            state.closer = nil
            defer { state.onClose = [] }
            return state.onClose
        }
        for handler in handlers { handler() }
    }
}
