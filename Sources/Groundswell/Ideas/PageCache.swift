import Synchronization

/// Rendered public pages — JSON lists (`GET /ideas` with any filters, sort, search and
/// cursor) and the web site's pages for readers who are not signed in — each kept with the
/// writer's commit count it was read at. A page is served again only while no transaction has
/// committed since, so it is exactly what a fresh read would return; any write (a vote, a
/// comment, a status change) retires every page at once. Popular pages under read-heavy
/// traffic then cost a dictionary lookup instead of queries and rendering. Bounded by total
/// bytes; when full, arbitrary entries make room.
final class PageCache<Value: Sendable>: Sendable {
    private struct Entry {
        let generation: UInt64
        let value: Value
        let cost: Int
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var bytes = 0
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
        state.withLock { state in
            guard let entry = state.entries[key], entry.generation == generation else { return nil }
            return entry.value
        }
    }

    /// Keeps a page read from a snapshot taken after the commit count was `generation`.
    func put(_ key: String, _ value: Value, generation: UInt64) {
        let size = cost(value) + key.utf8.count
        guard size <= maxPageBytes else { return }
        let limit = byteLimit
        state.withLock { state in
            if let old = state.entries[key] { state.bytes -= old.cost }
            // Full: drop entries in the dictionary's own (arbitrary) order until it fits, so
            // a working set a little over the limit still mostly hits.
            while state.bytes + size > limit, let victim = state.entries.first {
                state.entries.removeValue(forKey: victim.key)
                state.bytes -= victim.value.cost
            }
            state.entries[key] = Entry(generation: generation, value: value, cost: size)
            state.bytes += size
        }
    }

    var count: Int { state.withLock { $0.entries.count } }
}
