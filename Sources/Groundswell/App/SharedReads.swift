import HTTPServer
import Synchronization

/// Costly staff reads (`GET /admin/stats`, `GET /admin/fraud`) that many requests ask for at once
/// share one computation per key, as Go's singleflight does: 64 connections asking for the
/// operating figures queued 64 computations on the analytics thread, whose queue of 32 answered
/// most of them `503 overloaded`. A request takes the answer of the computation under way if that
/// has not begun reading, or if nothing has committed since it did; otherwise the next one's, which
/// starts when that one ends, so no answer misses a commit its request came after.
final class SharedReads: Sendable {
    private struct Flight {
        let context: String
        let work: @Sendable () throws -> Response
        /// The commit count read just before the computation began reading; nil until then.
        var seen: UInt64?
        var waiters: [ResponsePromise]
        var next: [ResponsePromise] = []
    }

    private let flights = Mutex<[String: Flight]>([:])
    private let thread: BackgroundReads
    private let version: @Sendable () -> UInt64

    /// `version`: the writer's count of commits that changed something.
    init(on thread: BackgroundReads, version: @escaping @Sendable () -> UInt64) {
        self.thread = thread
        self.version = version
    }

    /// The answer of `work` for `key`, computed on the thread once for every request that can take it.
    func run(_ key: String, context: String, _ work: @escaping @Sendable () throws -> Response) -> Reply {
        let promise = ResponsePromise()
        let current = version()
        let start = flights.withLock { flights -> Bool in
            guard var flight = flights[key] else {
                flights[key] = Flight(context: context, work: work, waiters: [promise])
                return true
            }
            if flight.seen == nil || flight.seen == current { flight.waiters.append(promise) } else { flight.next.append(promise) }
            flights[key] = flight
            return false
        }
        if start { fly(key, context: context, work) }
        return .promise(promise)
    }

    /// Requests waiting for a computation (for tests).
    var waiting: Int { flights.withLock { $0.values.reduce(0) { $0 + $1.waiters.count + $1.next.count } } }

    private func fly(_ key: String, context: String, _ work: @escaping @Sendable () throws -> Response) {
        thread.then({ [self] () -> Response in
            let seen = version()
            flights.withLock { $0[key]?.seen = seen }
            return try work()
        }, context: context) { .response($0) }
        .whenComplete { [self] response in land(key, response) }
    }

    /// Answers a computation's waiters, and starts the next one for those that came too late for it.
    private func land(_ key: String, _ response: Response) {
        let (waiters, successor) = flights.withLock { flights -> ([ResponsePromise], Flight?) in
            guard let flight = flights.removeValue(forKey: key) else { return ([], nil) }
            guard !flight.next.isEmpty else { return (flight.waiters, nil) }
            let successor = Flight(context: flight.context, work: flight.work, waiters: flight.next)
            flights[key] = successor
            return (flight.waiters, successor)
        }
        for waiter in waiters { waiter.succeed(response) }
        if let successor { fly(key, context: successor.context, successor.work) }
    }
}
