import Synchronization

/// Ranked search results, kept so that popular searches and later pages are served by
/// primary-key lookups instead of re-ranking every match. An entry belongs to one query,
/// filter set and snapshot (the highest idea id its ranking covered) and dies when the
/// content generation moves (an idea's text, status or visibility changed).
final class SearchCache: Sendable {
    struct Entry {
        let ids: [Int64]
        /// False when the ranking was cut at `maxIDs`; deeper pages then go to SQL.
        let complete: Bool
    }

    private struct Key: Hashable {
        let query: String
        let filters: String
        let snapshot: Int64
    }

    private struct State {
        var entries: [Key: (entry: Entry, generation: UInt64, used: UInt64)] = [:]
        var clock: UInt64 = 0
        var generation: UInt64 = 0
    }

    private let state = Mutex(State())
    let capacity: Int
    let maxIDs: Int

    init(capacity: Int = 256, maxIDs: Int = 1000) {
        self.capacity = capacity
        self.maxIDs = maxIDs
    }

    /// Forgets every ranking (call when an idea's searchable content or visibility changes).
    func invalidate() {
        state.withLock { state in
            state.generation &+= 1
            state.entries.removeAll(keepingCapacity: true)
        }
    }

    /// Rankings held now.
    var count: Int { state.withLock { $0.entries.count } }

    var currentGeneration: UInt64 { state.withLock { $0.generation } }

    func get(query: String, filters: String, snapshot: Int64) -> Entry? {
        let key = Key(query: query, filters: filters, snapshot: snapshot)
        return state.withLock { state in
            guard let found = state.entries[key], found.generation == state.generation else { return nil }
            state.clock &+= 1
            state.entries[key] = (found.entry, found.generation, state.clock)
            return found.entry
        }
    }

    /// Stores a ranking computed while the generation was `generation`.
    func put(_ entry: Entry, query: String, filters: String, snapshot: Int64, generation: UInt64) {
        let capacity = self.capacity
        state.withLock { state in
            guard generation == state.generation else { return }
            if state.entries.count >= capacity, let oldest = state.entries.min(by: { $0.value.used < $1.value.used })?.key {
                state.entries.removeValue(forKey: oldest)
            }
            state.clock &+= 1
            state.entries[Key(query: query, filters: filters, snapshot: snapshot)] = (entry, generation, state.clock)
        }
    }
}
