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

    static func all(_ db: SQLConnection) throws -> [(id: Int64, idea: Leaderboard.Idea)] {
        try db.query("SELECT \(columns) FROM ideas") { (id: $0.int64(0), idea: idea($0)) }
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
