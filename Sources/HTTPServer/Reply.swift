import Foundation

/// What a handler returns: a response now, or a promise fulfilled later from another
/// thread (e.g. after the database writer commits). The event loop never blocks on it.
public enum Reply: Sendable {
    case response(Response)
    case promise(ResponsePromise)
}

/// A response that will be supplied exactly once, from any thread.
public final class ResponsePromise: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Response?
    private var callback: ((Response) -> Void)?

    public init() {}

    /// Supplies the response; later calls are ignored.
    public func succeed(_ response: Response) {
        lock.lock()
        guard value == nil else {
            lock.unlock()
            return
        }
        value = response
        let callback = self.callback
        self.callback = nil
        lock.unlock()
        callback?(response)
    }

    /// Calls `body` with the response, right away if it is already there.
    public func whenComplete(_ body: @escaping (Response) -> Void) {
        lock.lock()
        if let value {
            lock.unlock()
            body(value)
            return
        }
        callback = body
        lock.unlock()
    }

    /// Atomically: calls `now` here if the response is already there, else arranges for
    /// `later` to be called (on the completing thread) when it arrives.
    public func complete(now: (Response) -> Void, later: @escaping (Response) -> Void) {
        lock.lock()
        if let value {
            lock.unlock()
            now(value)
            return
        }
        callback = later
        lock.unlock()
    }

    /// A promise for `transform(response)`.
    public func map(_ transform: @escaping (Response) -> Response) -> ResponsePromise {
        let next = ResponsePromise()
        whenComplete { next.succeed(transform($0)) }
        return next
    }
}

extension Reply {
    /// Applies `transform` to the response, whenever it arrives.
    public func map(_ transform: @escaping (Response) -> Response) -> Reply {
        switch self {
        case .response(let response): return .response(transform(response))
        case .promise(let promise): return .promise(promise.map(transform))
        }
    }
}
