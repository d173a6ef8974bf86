import Synchronization

/// Rendered public list pages (`GET /ideas` with any filters, sort, search and cursor),
/// each kept with the writer's commit count it was read at. A page is served again only
/// while no transaction has committed since, so it is exactly what a fresh read would
/// return; any write (a vote, a comment, a status change) retires every page at once.
/// Popular pages under read-heavy traffic then cost a dictionary lookup instead of a
/// query and JSON rendering. Bounded by total bytes; emptied wholesale when full.
final class PageCache: Sendable {
    private struct Entry {
        let generation: UInt64
        let body: [UInt8]
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var bytes = 0
    }

    private let state = Mutex(State())
    let byteLimit: Int
    let maxPageBytes: Int

    init(byteLimit: Int = 2 << 20, maxPageBytes: Int = 256 << 10) {
        self.byteLimit = byteLimit
        self.maxPageBytes = maxPageBytes
    }

    /// The page stored for `key` at commit count `generation`, if still current.
    func get(_ key: String, generation: UInt64) -> [UInt8]? {
        state.withLock { state in
            guard let entry = state.entries[key], entry.generation == generation else { return nil }
            return entry.body
        }
    }

    /// Keeps a page read from a snapshot taken after the commit count was `generation`.
    func put(_ key: String, body: [UInt8], generation: UInt64) {
        guard body.count <= maxPageBytes else { return }
        let limit = byteLimit
        state.withLock { state in
            if let old = state.entries[key] { state.bytes -= old.body.count + key.utf8.count }
            if state.bytes + body.count + key.utf8.count > limit {
                state.entries.removeAll(keepingCapacity: true)
                state.bytes = 0
            }
            state.entries[key] = Entry(generation: generation, body: body)
            state.bytes += body.count + key.utf8.count
        }
    }

    var count: Int { state.withLock { $0.entries.count } }
}
