import Synchronization

/// Pages being rendered for readers who are not signed in, by their page cache key. A commit that
/// retires a popular page (the home page, a list by votes, while votes commit every few
/// milliseconds) finds every connection reading it at once, and each used to render it anew: 64
/// renders queued on two page threads where one would do (the page's p99 was the queue).
///
/// One render per page at a time. A request that misses while one is in flight is answered with
/// its page when that render's reads are no older than the request (its commit count was read
/// before the render's, so the page shows every write acknowledged before the request came);
/// otherwise it waits for that render to end and tries again, when any new render is new enough.
final class RendersInFlight: Sendable {
    /// Called with the page the render kept (nil: it kept none, a refusal or a page too large).
    typealias Served = @Sendable (WebContext.CachedPage?) -> Void

    private struct Flight {
        /// The commit count the render read at.
        let generation: UInt64
        var page: WebContext.CachedPage?
        var served: [Served] = []
        var retries: [@Sendable () -> Void] = []
    }

    private let flights = Mutex<[String: Flight]>([:])

    /// True when no render of `key` is in flight: the caller renders it, reading at commit count
    /// `generation`, and calls `finished(key)`. Otherwise `served` is called when it ends if it
    /// read at `arrival` or later, else `retry`.
    func lead(_ key: String, generation: UInt64, arrival: UInt64, served: @escaping Served,
              retry: @escaping @Sendable () -> Void) -> Bool {
        flights.withLock { flights in
            guard let flight = flights[key] else {
                flights[key] = Flight(generation: generation)
                return true
            }
            if flight.generation >= arrival {
                flights[key]!.served.append(served)
            } else {
                flights[key]!.retries.append(retry)
            }
            return false
        }
    }

    /// A render of `key` that read at `generation` kept `page`: the page for the flight's waiters
    /// if that is the flight's commit count.
    func kept(_ key: String, generation: UInt64, page: WebContext.CachedPage) {
        flights.withLock { flights in
            if flights[key]?.generation == generation { flights[key]!.page = page }
        }
    }

    /// The render of `key` ended: its waiters go on.
    func finished(_ key: String) {
        guard let flight = flights.withLock({ $0.removeValue(forKey: key) }) else { return }
        for served in flight.served { served(flight.page) }
        for retry in flight.retries { retry() }
    }

    /// Requests waiting for the render of `key` (tests).
    func waiters(for key: String) -> Int {
        flights.withLock { $0[key].map { $0.served.count + $0.retries.count } ?? 0 }
    }
}
