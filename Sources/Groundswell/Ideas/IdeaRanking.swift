import Rules
import Storage
import Synchronization

/// On SQLite, the `top` and `trending` orders live here instead of in two indexes on `ideas`
/// (issue 14: those index entries were two to four of the five B-tree pages a random vote
/// wrote). Built from the table at start-up; after every commit that touched `ideas` rows the
/// writer moves them here with the values the commit wrote (or, after a batch that undid
/// something, with those rows read back), before the commit count moves and before
/// any request of that commit is answered (`SQLWriter.onCommittedRows`), so a listing read
/// after a vote's answer already has it in place. The table stays the one source of truth:
/// nothing here is written anywhere, and a restart rebuilds the same order.
///
/// PostgreSQL keeps its indexes: other nodes change rows this node never sees.
final class IdeaRanking: Sendable {
    private let board: Mutex<Leaderboard>

    /// Reads every idea (at start-up, on the writer's connection: see `GroundswellApp`).
    init(_ db: SQLConnection) throws {
        board = Mutex(try IdeaRankingStore.board(db))
    }

    /// Follows the changed ideas to their committed state (writer thread, outside a transaction):
    /// those in `images` with the values the commit wrote (nil: deleted), the other `ids` by
    /// reading them back.
    func refresh(_ db: SQLConnection, ids: [Int64], images: [Int64: Leaderboard.Idea?]) throws {
        let unknown = ids.filter { images.index(forKey: $0) == nil }
        let current = unknown.isEmpty ? [:] : try IdeaRankingStore.some(db, ids: unknown)
        board.withLock { board in
            for (id, image) in images { board.set(id, image) }
            for id in unknown { board.set(id, current[id]) }
        }
    }

    /// The idea as the board holds it now, if it does.
    func idea(_ id: Int64) -> Leaderboard.Idea? {
        board.withLock { $0.idea(id) }
    }

    /// Nil when the filter is too selective for the order in memory (`Leaderboard.walkLimit`).
    func page(_ order: Leaderboard.Order, after position: Leaderboard.Position?, filter: Leaderboard.Filter,
              limit: Int) -> [(id: Int64, position: Leaderboard.Position)]? {
        board.withLock { $0.page(order, after: position, filter: filter, limit: limit) }
    }
}
