import HTTPServer

/// Costly staff reads (`GET /admin/stats`, `GET /admin/fraud`) that many requests ask for at once
/// share one computation per key (`SharedFlights`): 64 connections asking for the operating
/// figures queued 64 computations on the analytics thread, whose queue of 32 answered most of
/// them `503 overloaded`.
final class SharedReads: Sendable {
    private let flights = SharedFlights<String, Response>()
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
        flights.join(key, current: version(), { promise.succeed($0) }) { [self] in
            thread.then({ [self] () -> Response in
                flights.reading(key, seen: version())
                return try work()
            }, context: context) { .response($0) }
            .whenComplete { [self] response in flights.land(key, response) }
        }
        return .promise(promise)
    }

    /// Requests waiting for a computation (for tests).
    var waiting: Int { flights.waiting }
}
