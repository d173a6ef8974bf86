import Synchronization

/// Pages being rendered for readers who are not signed in, by their page cache key. A commit that
/// retires a popular page (the home page, while votes commit every few milliseconds) finds every
/// connection reading it at once, and each used to render it anew: 64 renders queued on the two
/// page threads where one would do (the page's p99 was the queue). The first miss renders; the
/// others wait for it, then take the page it kept (or, when it was not kept, render their own).
final class RendersInFlight: Sendable {
    private let waiting = Mutex<[String: [@Sendable () -> Void]]>([:])

    /// True when no render of `key` is in flight: the caller renders it and then calls
    /// `finished(key)`. Otherwise `then` is called (on the rendering thread) once it ends.
    func lead(_ key: String, orWait then: @escaping @Sendable () -> Void) -> Bool {
        waiting.withLock { waiting in
            if waiting[key] != nil {
                waiting[key]!.append(then)
                return false
            }
            waiting[key] = []
            return true
        }
    }

    /// The render of `key` ended (its page kept or not): its waiters go on.
    func finished(_ key: String) {
        let waiters = waiting.withLock { $0.removeValue(forKey: key) } ?? []
        for waiter in waiters { waiter() }
    }

    /// Requests waiting for the render of `key` (tests).
    func waiters(for key: String) -> Int { waiting.withLock { $0[key]?.count ?? 0 } }
}
