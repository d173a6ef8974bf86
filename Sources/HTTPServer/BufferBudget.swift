import Synchronization

/// The bytes all connections hold for requests still being received (bodies and unfinished
/// heads). Each connection reserves what it holds before it holds it; one that cannot is
/// answered 503 instead of growing memory without bound.
final class BufferBudget: Sendable {
    let limit: Int
    private let used = Atomic<Int>(0)
    /// Bytes given back since the last trim (to decide when to return memory to the system).
    private let released = Atomic<Int>(0)

    init(limit: Int) {
        self.limit = limit
    }

    func reserve(_ bytes: Int) -> Bool {
        let after = used.add(bytes, ordering: .relaxed).newValue
        if after > limit {
            used.subtract(bytes, ordering: .relaxed)
            return false
        }
        return true
    }

    func release(_ bytes: Int) {
        used.subtract(bytes, ordering: .relaxed)
        released.add(bytes, ordering: .relaxed)
    }

    var inUse: Int { used.load(ordering: .relaxed) }

    /// Bytes released since the last call.
    func takeReleased() -> Int { released.exchange(0, ordering: .relaxed) }
}
