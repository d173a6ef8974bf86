import Synchronization

/// Each visible idea's JSON object as the API shows it, kept between commits without its closing
/// brace (a listing adds members such as a search highlight before closing it). Issue 14's 90/10
/// mix: votes retire the rendered list pages that show their ideas (`PageCache`, `ListingChanges`),
/// and rendering one again read its 20 ideas from SQLite on the event loop; with this a page is the
/// order in memory plus twenty lookups here, and only the ideas a commit changed are read again.
///
/// The one cache rule holds per idea: the writer forgets an idea after every commit that changed
/// its row, its author's row or any award, before the commit count moves and before any request
/// of that commit is answered — so an entry present is the idea as last committed. A reader
/// stores what it read labelled with the commit count it read *before* its snapshot began, and
/// the store is refused when a commit after that count changed the idea or its author: a slow
/// reader never puts back what a commit has just retired. When full, an idea read since it was
/// queued is passed over once (CLOCK) and the first one that was not makes room. SQLite only: on
/// PostgreSQL other nodes change rows this process never hears of by row.
final class IdeaCache: Sendable {
    private struct Entry {
        let json: [UInt8]
        let authorID: Int64
        /// Which store this is, so an eviction finds only the entry it queued.
        let serial: UInt64
        /// Read since it was last queued: eviction passes over it once (CLOCK), so the ideas every
        /// list page shows stay while idea pages of random ideas stream through.
        var referenced = false
    }

    private struct State {
        var entries: [Int64: Entry] = [:]
        /// (idea, serial) in the order stored or last passed over, oldest first from `head`: eviction order.
        var order: [(id: Int64, serial: UInt64)] = []
        var head = 0
        var bytes = 0
        var serial: UInt64 = 0
        /// The newest commit that changed each idea or author, for refusing stale stores; when
        /// either grows past `tombstoneLimit` both are dropped and `floor` says so instead.
        var changedIdeas: [Int64: UInt64] = [:]
        var changedAuthors: [Int64: UInt64] = [:]
        /// Stores labelled before this commit count are refused.
        var floor: UInt64 = 0
        var hits = 0
        var misses = 0

        mutating func remove(_ id: Int64) {
            if let old = entries.removeValue(forKey: id) { bytes -= old.json.count + Self.overhead }
        }

        /// Forgets the tombstones, refusing every store labelled before `commit` instead.
        mutating func raiseFloor(to commit: UInt64) {
            changedIdeas.removeAll(keepingCapacity: false)
            changedAuthors.removeAll(keepingCapacity: false)
            floor = max(floor, commit)
        }

        mutating func forgetAll(changedAt commit: UInt64) {
            entries.removeAll(keepingCapacity: false)
            order.removeAll(keepingCapacity: false)
            head = 0
            bytes = 0
            raiseFloor(to: commit)
        }

        /// Bytes an entry costs beyond its JSON: the dictionary slot, the array header, the queue.
        static let overhead = 96
    }

    private let state = Mutex(State())
    let byteLimit: Int
    /// Tombstones kept per kind before they are summarised by the floor.
    let tombstoneLimit: Int

    init(byteLimit: Int = 3 << 20, tombstoneLimit: Int = 16_384) {
        self.byteLimit = byteLimit
        self.tombstoneLimit = tombstoneLimit
    }

    /// The idea's open JSON object (no closing brace), if cached.
    func get(_ id: Int64) -> [UInt8]? {
        state.withLock { state in
            guard let index = state.entries.index(forKey: id) else {
                state.misses += 1
                return nil
            }
            state.hits += 1
            state.entries.values[index].referenced = true
            return state.entries.values[index].json
        }
    }

    /// Keeps `json` (an open object) for idea `id` by `authorID`, read from a snapshot that began
    /// after the commit count was `generation`.
    func put(_ id: Int64, _ json: [UInt8], authorID: Int64, readAt generation: UInt64) {
        let size = json.count + State.overhead
        guard size <= byteLimit / 16 else { return }
        let limit = byteLimit
        state.withLock { state in
            guard generation >= state.floor,
                  (state.changedIdeas[id] ?? 0) <= generation,
                  (state.changedAuthors[authorID] ?? 0) <= generation else { return }
            state.remove(id)
            while state.bytes + size > limit, state.head < state.order.count {
                let oldest = state.order[state.head]
                state.head += 1
                guard let index = state.entries.index(forKey: oldest.id), state.entries.values[index].serial == oldest.serial else {
                    continue
                }
                if state.entries.values[index].referenced {
                    state.entries.values[index].referenced = false
                    state.order.append(oldest)
                } else {
                    state.remove(oldest.id)
                }
            }
            if state.head > 4096 && state.head * 2 > state.order.count {
                state.order.removeFirst(state.head)
                state.head = 0
            }
            state.serial += 1
            state.entries[id] = Entry(json: json, authorID: authorID, serial: state.serial)
            state.order.append((id, state.serial))
            state.bytes += size
        }
    }

    /// Writer thread, after a commit numbered `commit` changed these ideas' rows.
    func forget(ideas: [Int64], changedAt commit: UInt64) {
        state.withLock { state in
            for id in ideas {
                state.remove(id)
                state.changedIdeas[id] = commit
            }
            if state.changedIdeas.count > tombstoneLimit { state.raiseFloor(to: commit) }
        }
    }

    /// Writer thread, after a commit numbered `commit` changed these people's rows (an author's
    /// name is part of each of their ideas).
    func forget(authors: [Int64], changedAt commit: UInt64) {
        state.withLock { state in
            if authors.count > tombstoneLimit {
                state.forgetAll(changedAt: commit)
                return
            }
            for id in authors { state.changedAuthors[id] = commit }
            let changed = Set(authors)
            for (id, entry) in state.entries where changed.contains(entry.authorID) { state.remove(id) }
            if state.changedAuthors.count > tombstoneLimit { state.raiseFloor(to: commit) }
        }
    }

    /// Writer thread, after a commit numbered `commit` changed what any idea may show (awards).
    func forgetAll(changedAt commit: UInt64) {
        state.withLock { $0.forgetAll(changedAt: commit) }
    }

    /// Ideas and bytes held now; lookups answered and not, since start (for `/metrics`).
    var statistics: (ideas: Int, bytes: Int, hits: Int, misses: Int) {
        state.withLock { ($0.entries.count, $0.bytes, $0.hits, $0.misses) }
    }
}
