import Synchronization

/// Rendered public pages — JSON lists (`GET /ideas` with any filters, sort, search and
/// cursor) and the web site's pages for readers who are not signed in — each kept with the
/// writer's commit count it was read at. A page is served again only while no transaction has
/// committed since, so it is exactly what a fresh read would return; any write (a vote, a
/// comment, a status change) retires every page at once, and the first page stored after it
/// frees the rest. Popular pages under read-heavy traffic then cost a dictionary lookup instead
/// of queries and rendering. Bounded by total bytes; when full, the oldest pages make room.
final class PageCache<Value: Sendable>: Sendable {
    private struct Entry {
        let key: String
        let generation: UInt64
        let value: Value
        let cost: Int
    }

    private struct State {
        /// By the key's hash: keys are long URLs sharing prefixes, which made string compares
        /// along the dictionary's probe chains the cost of a lookup; the entry keeps the key.
        var entries: [Int: Entry] = [:]
        /// Hashes in the order stored, oldest first from `head` (eviction order).
        var order: [Int] = []
        var head = 0
        var bytes = 0
        /// The newest commit count a page was stored at: older pages can never be served again.
        var generation: UInt64 = 0
    }

    private let state = Mutex(State())
    let byteLimit: Int
    let maxPageBytes: Int
    private let cost: @Sendable (Value) -> Int

    init(byteLimit: Int = 2 << 20, maxPageBytes: Int = 256 << 10, cost: @escaping @Sendable (Value) -> Int) {
        self.byteLimit = byteLimit
        self.maxPageBytes = maxPageBytes
        self.cost = cost
    }

    /// The page stored for `key` at commit count `generation`, if still current.
    func get(_ key: String, generation: UInt64) -> Value? {
        let hash = key.hashValue
        return state.withLock { state in
            guard let entry = state.entries[hash], entry.generation == generation, entry.key == key else { return nil }
            return entry.value
        }
    }

    /// Keeps a page read from a snapshot taken after the commit count was `generation`.
    func put(_ key: String, _ value: Value, generation: UInt64) {
        let size = cost(value) + key.utf8.count
        guard size <= maxPageBytes else { return }
        let hash = key.hashValue
        let limit = byteLimit
        state.withLock { state in
            if generation < state.generation { return }
            if generation > state.generation {
                // A commit retired every stored page: free them now rather than when overwritten.
                state.entries.removeAll(keepingCapacity: true)
                state.order.removeAll(keepingCapacity: true)
                state.head = 0
                state.bytes = 0
                state.generation = generation
            }
            if let old = state.entries.removeValue(forKey: hash) { state.bytes -= old.cost }
            while state.bytes + size > limit, state.head < state.order.count {
                let oldest = state.order[state.head]
                state.head += 1
                if let victim = state.entries.removeValue(forKey: oldest) { state.bytes -= victim.cost }
            }
            if state.head > 4096 && state.head * 2 > state.order.count {
                state.order.removeFirst(state.head)
                state.head = 0
            }
            state.entries[hash] = Entry(key: key, generation: generation, value: value, cost: size)
            state.order.append(hash)
            state.bytes += size
        }
    }

    var count: Int { state.withLock { $0.entries.count } }
}
