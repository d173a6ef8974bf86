import Foundation

/// Ranked search results, kept so that popular searches and later pages are served by
/// primary-key lookups instead of re-ranking every match. An entry belongs to one query,
/// filter set and snapshot (the highest idea id its ranking covered) and dies when the
/// content generation moves (an idea's text, status or visibility changed).
final class SearchCache: @unchecked Sendable {
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

    private let lock = NSLock()
    private var entries: [Key: (entry: Entry, generation: UInt64, used: UInt64)] = [:]
    private var clock: UInt64 = 0
    private var generation: UInt64 = 0
    let capacity: Int
    let maxIDs: Int

    init(capacity: Int = 256, maxIDs: Int = 1000) {
        self.capacity = capacity
        self.maxIDs = maxIDs
    }

    /// Forgets every ranking (call when an idea's searchable content or visibility changes).
    func invalidate() {
        lock.lock()
        generation &+= 1
        entries.removeAll(keepingCapacity: true)
        lock.unlock()
    }

    /// Rankings held now.
    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return entries.count
    }

    var currentGeneration: UInt64 {
        lock.lock()
        defer { lock.unlock() }
        return generation
    }

    func get(query: String, filters: String, snapshot: Int64) -> Entry? {
        let key = Key(query: query, filters: filters, snapshot: snapshot)
        lock.lock()
        defer { lock.unlock() }
        guard let found = entries[key], found.generation == generation else { return nil }
        clock &+= 1
        entries[key] = (found.entry, found.generation, clock)
        return found.entry
    }

    /// Stores a ranking computed while the generation was `generation`.
    func put(_ entry: Entry, query: String, filters: String, snapshot: Int64, generation: UInt64) {
        lock.lock()
        defer { lock.unlock() }
        guard generation == self.generation else { return }
        if entries.count >= capacity, let oldest = entries.min(by: { $0.value.used < $1.value.used })?.key {
            entries.removeValue(forKey: oldest)
        }
        clock &+= 1
        entries[Key(query: query, filters: filters, snapshot: snapshot)] = (entry, generation, clock)
    }
}
