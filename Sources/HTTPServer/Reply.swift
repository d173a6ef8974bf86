import Synchronization

/// What a handler returns: a response now, or a promise fulfilled later from another
/// thread (e.g. after the database writer commits). The event loop never blocks on it.
public enum Reply: Sendable {
    case response(Response)
    case promise(ResponsePromise)
}

/// A response that will be supplied exactly once, from any thread. Any number of
/// subscribers may wait for it; each is called exactly once, in the order they subscribed.
public final class ResponsePromise: Sendable {
    public typealias Callback = @Sendable (Response) -> Void

    private struct State {
        var value: Response?
        /// Nearly every promise has one waiter (its connection): kept apart from the rest so
        /// it needs no array.
        var first: Callback?
        var callbacks: [Callback] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// Supplies the response; later calls are ignored.
    public func succeed(_ response: Response) {
        let (first, callbacks) = state.withLock { state -> (Callback?, [Callback]) in
            guard state.value == nil else { return (nil, []) }
            state.value = response
            defer { state.first = nil; state.callbacks = [] }
            return (state.first, state.callbacks)
        }
        first?(response)
        for callback in callbacks { callback(response) }
    }

    /// Calls `body` with the response, right away if it is already there.
    public func whenComplete(_ body: @escaping Callback) {
        complete(now: body, later: body)
    }

    /// Atomically: calls `now` here if the response is already there, else arranges for
    /// `later` to be called (on the completing thread) when it arrives.
    public func complete(now: (Response) -> Void, later: @escaping Callback) {
        let ready = state.withLock { state -> Response? in
            if let value = state.value { return value }
            if state.first == nil { state.first = later } else { state.callbacks.append(later) }
            return nil
        }
        if let ready { now(ready) }
    }

    /// A promise for `transform(response)`.
    public func map(_ transform: @escaping @Sendable (Response) -> Response) -> ResponsePromise {
        let next = ResponsePromise()
        whenComplete { next.succeed(transform($0)) }
        return next
    }
}

extension Reply {
    /// Applies `transform` to the response, whenever it arrives.
    public func map(_ transform: @escaping @Sendable (Response) -> Response) -> Reply {
        switch self {
        case .response(let response): return .response(transform(response))
        case .promise(let promise): return .promise(promise.map(transform))
        }
    }

    /// The reply `next` makes from this one's response, whenever it arrives (a read after a write).
    public func then(_ next: @escaping @Sendable (Response) -> Reply) -> Reply {
        switch self {
        case .response(let response): return next(response)
        case .promise(let promise):
            let chained = ResponsePromise()
            promise.whenComplete { response in next(response).whenComplete { chained.succeed($0) } }
            return .promise(chained)
        }
    }

    /// Calls `body` with the response: right away if there is one, else when the promise is kept.
    public func whenComplete(_ body: @escaping ResponsePromise.Callback) {
        switch self {
        case .response(let response): body(response)
        case .promise(let promise): promise.whenComplete(body)
        }
    }
}
