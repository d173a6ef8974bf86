import Synchronization

/// The bookkeeping of computations that many requests wait for together, one per key at a time
/// (Go's singleflight), for `SharedReads` and `EngagementSnapshots`. A request takes the outcome
/// of the computation under way if that has not begun reading, or if nothing has committed since
/// it did; otherwise the next one's, which starts when that one ends, so no answer misses a commit
/// its request came after. Running a computation is the caller's: `join` hands it a `start` to
/// call, the computation says when it begins reading (`reading`) and ends with `land`.
final class SharedFlights<Key: Hashable & Sendable, Outcome: Sendable>: Sendable {
    typealias Waiter = @Sendable (Outcome) -> Void

    private struct Flight {
        /// Starts this key's computation (again, for the requests that came too late for one).
        let start: @Sendable () -> Void
        /// The commit count read just before the computation began reading; nil until then.
        var seen: UInt64?
        var waiters: [Waiter]
        var next: [Waiter] = []
    }

    private let flights = Mutex<[Key: Flight]>([:])

    /// Adds `waiter` to the computation of `key` it can take (`current`: the commit count now),
    /// calling `start` if none is under way.
    func join(_ key: Key, current: UInt64, _ waiter: @escaping Waiter, start: @escaping @Sendable () -> Void) {
        let starts = flights.withLock { flights -> Bool in
            guard var flight = flights[key] else {
                flights[key] = Flight(start: start, waiters: [waiter])
                return true
            }
            if flight.seen == nil || flight.seen == current { flight.waiters.append(waiter) } else { flight.next.append(waiter) }
            flights[key] = flight
            return false
        }
        if starts { start() }
    }

    /// The computation of `key` begins reading what committed up to `seen`.
    func reading(_ key: Key, seen: UInt64) {
        flights.withLock { $0[key]?.seen = seen }
    }

    /// Hands the computation's outcome to its waiters, and starts the next one for those that came
    /// too late for it.
    func land(_ key: Key, _ outcome: Outcome) {
        let (waiters, successor) = flights.withLock { flights -> ([Waiter], (@Sendable () -> Void)?) in
            guard let flight = flights.removeValue(forKey: key) else { return ([], nil) }
            guard !flight.next.isEmpty else { return (flight.waiters, nil) }
            flights[key] = Flight(start: flight.start, waiters: flight.next)
            return (flight.waiters, flight.start)
        }
        for waiter in waiters { waiter(outcome) }
        successor?()
    }

    /// Whether a computation of `key` is under way.
    func isUnderWay(_ key: Key) -> Bool { flights.withLock { $0[key] != nil } }

    /// Requests waiting for a computation (for tests).
    var waiting: Int { flights.withLock { $0.values.reduce(0) { $0 + $1.waiters.count + $1.next.count } } }
}
