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
        /// Every idea a query matches (listings of a search by votes or trend walk their order
        /// through it), by the query's expression; at most `maxMatchSets`, `maxMatchIDs` ids in all.
        var matches: [String: (ids: Set<Int64>, used: UInt64)] = [:]
        var matchIDs = 0
        /// A result's `highlight` object as JSON, by query expression and idea: marking terms
        /// in a title and cutting a snippet cost more than the rest of a result, and a vote
        /// (which retires the page) changes neither. Emptied whole past `maxHighlightBytes`.
        var highlights: [String: [Int64: [UInt8]]] = [:]
        var highlightBytes = 0
        var clock: UInt64 = 0
        var generation: UInt64 = 0
    }

    private let state = Mutex(State())
    let capacity: Int
    let maxIDs: Int

    let maxMatchSets: Int
    let maxMatchIDs: Int
    let maxHighlightBytes = 4 << 20

    init(capacity: Int = 256, maxIDs: Int = 1000, maxMatchSets: Int = 16, maxMatchIDs: Int = 1_000_000) {
        self.capacity = capacity
        self.maxIDs = maxIDs
        self.maxMatchSets = maxMatchSets
        self.maxMatchIDs = maxMatchIDs
    }

    /// Forgets every ranking and match set (call when an idea's searchable content or visibility changes).
    func invalidate() {
        state.withLock { state in
            state.generation &+= 1
            state.entries.removeAll(keepingCapacity: true)
            state.matches.removeAll()
            state.matchIDs = 0
            state.highlights.removeAll()
            state.highlightBytes = 0
        }
    }

    /// The `highlight` JSON of idea `id` in results of `query`, if kept from this generation.
    func highlight(query: String, id: Int64) -> [UInt8]? {
        state.withLock { $0.highlights[query]?[id] }
    }

    /// Keeps a `highlight` made from the idea's text as read while the generation was `generation`.
    func putHighlight(_ json: [UInt8], query: String, id: Int64, generation: UInt64) {
        let limit = maxHighlightBytes
        state.withLock { state in
            guard generation == state.generation else { return }
            if state.highlightBytes + json.count > limit {
                state.highlights.removeAll()
                state.highlightBytes = 0
            }
            state.highlights[query, default: [:]][id] = json
            state.highlightBytes += json.count + query.utf8.count
        }
    }

    /// The ideas `query` matches, if kept from this generation.
    func matches(query: String) -> Set<Int64>? {
        state.withLock { state in
            guard let found = state.matches[query] else { return nil }
            state.clock &+= 1
            state.matches[query] = (found.ids, state.clock)
            return found.ids
        }
    }

    /// Keeps the ideas `query` matched, found while the generation was `generation`; the least
    /// recently used sets give way to stay within the limits (a set larger than all of them is not kept).
    func putMatches(_ ids: Set<Int64>, query: String, generation: UInt64) {
        let maxSets = maxMatchSets, maxIDs = maxMatchIDs
        state.withLock { state in
            guard generation == state.generation, ids.count <= maxIDs, state.matches[query] == nil else { return }
            while !state.matches.isEmpty && (state.matches.count >= maxSets || state.matchIDs + ids.count > maxIDs),
                  let oldest = state.matches.min(by: { $0.value.used < $1.value.used }) {
                state.matches.removeValue(forKey: oldest.key)
                state.matchIDs -= oldest.value.ids.count
            }
            state.clock &+= 1
            state.matches[query] = (ids, state.clock)
            state.matchIDs += ids.count
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
