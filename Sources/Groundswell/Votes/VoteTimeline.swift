import SQLiteStore
import Storage

/// Finds votes by time through their ids: the writer assigns ids in commit order and
/// times at arrival, so both grow together (to within a batch's milliseconds). A binary
/// search over the primary key replaces an index on `created_at` that every vote would
/// otherwise have to update.
enum VoteTimeline {
    /// The smallest vote id cast at or after `time`, or nil when there is none.
    static func firstID(_ db: SQLConnection, atOrAfter time: Int64) throws -> Int64? {
        func row(from id: Int64) throws -> (id: Int64, at: Int64)? {
            try db.queryOne("SELECT id, created_at FROM votes WHERE id >= ? ORDER BY id LIMIT 1", [id]) { ($0.int64(0), $0.int64(1)) }
        }
        guard let last = try db.scalarInt("SELECT MAX(id) FROM votes") else { return nil }
        var low: Int64 = 0, high = last + 1
        while low < high {
            let middle = low + (high - low) / 2
            guard let found = try row(from: middle) else {
                high = middle
                continue
            }
            if found.at >= time { high = middle } else { low = found.id + 1 }
        }
        guard let found = try row(from: low), found.at >= time else { return nil }
        return found.id
    }
}
