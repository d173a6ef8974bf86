import Synchronization

/// The body of a response that never ends by itself (server-sent events): the head goes out
/// without a `Content-Length`, then whatever any thread `send`s, until either side closes.
/// The connection attaches itself when it writes the head; bytes sent before that wait.
/// Producers never touch the connection: bytes hop to its event loop.
public final class ResponseStream: Sendable {
    /// What one `send` queues: bytes, a state in parts, or a keep-alive.
    enum Payload: Sendable {
        case bytes([UInt8])
        /// A whole state, in parts: replaces an earlier state the client has not begun to receive.
        case state([[UInt8]])
        /// Bytes that only keep a quiet stream open: skipped while others wait to be sent.
        case keepAlive([UInt8])
    }

    private struct State {
        var sink: (@Sendable (Payload) -> Void)?
        var closer: (@Sendable () -> Void)?
        var waiting: [UInt8] = []
        var closed = false
        var onClose: [@Sendable () -> Void] = []
    }

    private let state = Mutex(State())
    private let onSuperseded: (@Sendable (Int) -> Void)?

    /// `onSuperseded(n)`: `n` state messages were dropped unsent because newer ones replaced them.
    public init(onSuperseded: (@Sendable (Int) -> Void)? = nil) {
        self.onSuperseded = onSuperseded
    }

    /// Queues `bytes` for the client; dropped once the stream is closed.
    public func send(_ bytes: [UInt8]) { send(.bytes(bytes)) }

    /// Queues a state message, its parts one after another (nothing another thread sends lands
    /// between them, and a large part shared by many streams, a round's leaderboard, is passed
    /// along, not copied into each): a whole state that makes the ones before it moot. While
    /// none of a state's bytes has reached the client's socket, a newer state replaces it, so a
    /// slow reader gets the state it is reading and then the newest, and what waits for it never
    /// grows past two states.
    public func sendState(_ parts: [[UInt8]]) { send(.state(parts)) }

    /// Queues bytes whose only purpose is to show a quiet stream is alive (an event stream's
    /// comment line): not queued while the client has other bytes waiting.
    public func sendKeepAlive(_ bytes: [UInt8]) { send(.keepAlive(bytes)) }

    private func send(_ payload: Payload) {
        let sink = state.withLock { state -> (@Sendable (Payload) -> Void)? in
            guard !state.closed else { return nil }
            if state.sink == nil {
                switch payload {
                case .bytes(let bytes), .keepAlive(let bytes): state.waiting += bytes
                case .state(let parts): for part in parts { state.waiting += part }
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

    /// The connection dropped `count` unsent states.
    func superseded(_ count: Int) { onSuperseded?(count) }

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
