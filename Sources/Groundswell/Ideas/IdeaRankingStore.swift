import Rules
import SQLiteStore
import Storage

/// The rows `IdeaRanking` is built from and kept current with.
enum IdeaRankingStore {
    private static let columns = "id, vote_count, trend, status, category, hidden, merged_into"

    private static func idea(_ row: SQLRow) -> Leaderboard.Idea {
        Leaderboard.Idea(votes: row.int64(1), trend: row.double(2), status: row.string(3), category: row.string(4),
                         listed: row.int64(5) == 0, merged: !row.isNull(6))
    }

    /// Every idea, read straight into the board (no row kept, no string made per row).
    static func board(_ db: SQLConnection) throws -> Leaderboard {
        var builder = Leaderboard.Builder(ideas: Int(try db.scalarInt("SELECT COALESCE(MAX(id), 0) FROM ideas") ?? 0))
        _ = try db.query("SELECT \(columns) FROM ideas") { row in
            row.withText(3) { status in
                row.withText(4) { category in
                    builder.add(id: row.int64(0), votes: row.int64(1), trend: row.double(2), status: status, category: category,
                                listed: row.int64(5) == 0, merged: !row.isNull(6))
                }
            }
        }
        return builder.build()
    }

    /// The columns the board keeps, as each change to `ideas` writes them, so that a commit's
    /// changed ideas move on the board without being read back (`SQLWriter.onCommittedRows`).
    /// Writer thread only.
    final class Changes: RowImageRecorder {
        static let columns = ["vote_count", "trend", "status", "category", "hidden", "merged_into"]
        /// id → the idea as last written in this batch (nil: deleted).
        private(set) var ideas: [Int64: Leaderboard.Idea?] = [:]
        /// The ideas changed in this batch other than by a counted vote's own statement
        /// (`VoteLedger.countUpdate`, which sets the counts and nothing else).
        private var otherwise: Set<Int64> = []

        /// Whether every change to `id` in this batch was a counted vote's (`ListingChanges`).
        func votedOnly(_ id: Int64) -> Bool { ideas[id] != nil && !otherwise.contains(id) }

        func changed(_ rowid: Int64, _ row: PreupdateRow?) {
            ideas[rowid] = .some(row.map { row in
                Leaderboard.Idea(votes: row.int64(0), trend: row.double(1), status: row.string(2), category: row.string(3),
                                 listed: row.int64(4) == 0, merged: !row.isNull(5))
            })
            if !(row?.isDirectChange(by: VoteLedger.countUpdate) ?? false) { otherwise.insert(rowid) }
        }

        func discard() {
            ideas.removeAll(keepingCapacity: ideas.count <= 4096)
            otherwise.removeAll(keepingCapacity: otherwise.count <= 4096)
        }
    }

    private static let one = "SELECT \(columns) FROM ideas WHERE id = ?"

    /// The ideas among `ids` that exist, read in one transaction (one snapshot, one lock), one
    /// primary-key lookup each (one cached statement, whatever the number of ids).
    static func some(_ db: SQLConnection, ids: [Int64]) throws -> [Int64: Leaderboard.Idea] {
        var found: [Int64: Leaderboard.Idea] = [:]
        try db.transaction(.deferred) {
            for id in ids {
                if let row = try db.queryOne(one, [id], idea) { found[id] = row }
            }
        }
        return found
    }
}
