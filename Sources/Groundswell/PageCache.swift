import Foundation

/// Rendered public list pages (`GET /ideas` with any filters, sort, search and cursor),
/// each kept with the writer's commit count it was read at. A page is served again only
/// while no transaction has committed since, so it is exactly what a fresh read would
/// return; any write (a vote, a comment, a status change) retires every page at once.
/// Popular pages under read-heavy traffic then cost a dictionary lookup instead of a
/// query and JSON rendering. Bounded by total bytes; emptied wholesale when full.
final class PageCache: @unchecked Sendable {
    private struct Entry {
        let generation: UInt64
        let body: [UInt8]
    }

    private let lock = NSLock()
    private var entries: [String: Entry] = [:]
    private var bytes = 0
    let byteLimit: Int
    let maxPageBytes: Int

    init(byteLimit: Int = 2 << 20, maxPageBytes: Int = 256 << 10) {
        self.byteLimit = byteLimit
        self.maxPageBytes = maxPageBytes
    }

    /// The page stored for `key` at commit count `generation`, if still current.
    func get(_ key: String, generation: UInt64) -> [UInt8]? {
        lock.lock()
        defer { lock.unlock() }
        guard let entry = entries[key], entry.generation == generation else { return nil }
        return entry.body
    }

    /// Keeps a page read from a snapshot taken after the commit count was `generation`.
    func put(_ key: String, body: [UInt8], generation: UInt64) {
        guard body.count <= maxPageBytes else { return }
        lock.lock()
        defer { lock.unlock() }
        if let old = entries[key] { bytes -= old.body.count + key.utf8.count }
        if bytes + body.count + key.utf8.count > byteLimit {
            entries.removeAll(keepingCapacity: true)
            bytes = 0
        }
        entries[key] = Entry(generation: generation, body: body)
        bytes += body.count + key.utf8.count
    }

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return entries.count
    }
}
