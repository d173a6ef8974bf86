import Synchronization

/// Rendered public pages — JSON lists (`GET /ideas` with any filters, sort, search and
/// cursor) and the web site's pages for readers who are not signed in — each kept with the
/// writer's commit count it was read at. A page is served again only while no transaction has
/// committed since, so it is exactly what a fresh read would return; any write (a vote, a
/// comment, a status change) retires every page at once, and the first page stored after it
/// frees the rest (except as below). Popular pages under read-heavy traffic then cost a dictionary lookup instead
/// of queries and rendering. Bounded by total bytes; when full, the oldest pages make room.
///
/// A page stored with its shape (the ideas it shows, `ListingChanges.Shape`) outlives commits
/// that cannot have changed it — votes for ideas it neither shows nor gains — as `changes`
/// tells; it is then labelled with the newer count, so the next check starts there.
final class PageCache<Value: Sendable>: Sendable {
    private struct Entry {
        let key: String
        var generation: UInt64
        let value: Value
        let cost: Int
        let shape: ListingChanges.Shape?
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
        /// Hashes of pages stored without a shape at `generation`, which the next count retires
        /// (so that retiring them does not walk every kept page: idea pages are thousands).
        var unshaped: [Int] = []
    }

    private let state = Mutex(State())
    let byteLimit: Int
    let maxPageBytes: Int
    private let cost: @Sendable (Value) -> Int
    /// What commits did to ideas (SQLite), for pages stored with a shape; nil: none outlive a commit.
    private let changes: ListingChanges?

    init(byteLimit: Int = 2 << 20, maxPageBytes: Int = 256 << 10, changes: ListingChanges? = nil, cost: @escaping @Sendable (Value) -> Int) {
        self.byteLimit = byteLimit
        self.maxPageBytes = maxPageBytes
        self.changes = changes
        self.cost = cost
    }

    /// The page stored for `key`, if it is the page at commit count `generation`.
    func get(_ key: String, generation: UInt64) -> Value? {
        let hash = key.hashValue
        let changes = changes
        return state.withLock { state in
            guard let index = state.entries.index(forKey: hash) else { return nil }
            let entry = state.entries.values[index]
            guard entry.key == key else { return nil }
            if entry.generation == generation { return entry.value }
            guard entry.generation < generation, let shape = entry.shape, let changes,
                  changes.unchanged(shape, from: entry.generation, to: generation) else { return nil }
            state.entries.values[index].generation = generation
            return entry.value
        }
    }

    /// Keeps a page read from a snapshot taken after the commit count was `generation`; with a
    /// `shape`, the page may be served at later counts while `changes` says it is unchanged.
    func put(_ key: String, _ value: Value, generation: UInt64, shape: ListingChanges.Shape? = nil) {
        let size = cost(value) + key.utf8.count
        guard size <= maxPageBytes else { return }
        let hash = key.hashValue
        let limit = byteLimit
        state.withLock { state in
            if generation < state.generation { return }
            if generation > state.generation {
                // A commit retired every page stored without a shape: free them now rather than when
                // overwritten (pages with one are checked when asked for, and age out in turn).
                if changes == nil {
                    state.entries.removeAll(keepingCapacity: true)
                    state.order.removeAll(keepingCapacity: true)
                    state.head = 0
                    state.bytes = 0
                } else {
                    for hash in state.unshaped {
                        guard let entry = state.entries[hash], entry.shape == nil else { continue }
                        state.entries[hash] = nil
                        state.bytes -= entry.cost
                    }
                }
                state.unshaped.removeAll(keepingCapacity: true)
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
            state.entries[hash] = Entry(key: key, generation: generation, value: value, cost: size, shape: shape)
            if shape == nil && changes != nil { state.unshaped.append(hash) }
            state.order.append(hash)
            state.bytes += size
        }
    }

    var count: Int { state.withLock { $0.entries.count } }
}
