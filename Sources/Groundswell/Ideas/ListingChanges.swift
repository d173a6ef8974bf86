import Rules
import Synchronization

/// What recent commits did to the ideas, so that a rendered list page (`PageCache`) can outlive
/// commits that cannot have changed it. Issue 14's 90/10 mix: every vote used to retire every
/// list page, and the event loop rebuilt the top list and each search page about as often as it
/// served them. Most commits are votes, and a vote changes only its idea's counts: a page that
/// does not show that idea, and that the idea does not enter, is the same page afterwards.
///
/// The writer records each commit that changed ideas before the commit count moves past it (the
/// row hooks run then), so a reader that read the count `g` finds every commit up to `g` here.
/// A commit is either a list of vote moves (ideas whose rows changed in their counts alone, with
/// their sort keys before and after) or a structural change (anything else: an idea's text,
/// status or visibility, a new idea, an author's name, an award), which retires every page.
/// Commits that changed no idea leave no record and no page. SQLite only (the row hooks).
final class ListingChanges: Sendable {
    /// An idea's counts before and after one commit (its first old and last new values).
    struct Move: Sendable, Equatable {
        let id: Int64
        let oldVotes: Int64
        let oldTrend: Double
        let votes: Int64
        let trend: Double
    }

    /// A page as its validity needs it: the ideas it shows and, for each list on it that is the
    /// first page of an order by votes or trend and was full, its last item's key (an idea that
    /// stays after it cannot enter). The home page shows two such lists.
    struct Shape: Sendable, Equatable {
        enum Bound: Sendable, Equatable {
            case top(Leaderboard.TopKey)
            case trending(Leaderboard.TrendKey)

            /// The key of the idea at `position` in its order.
            init(_ position: Leaderboard.Position) {
                switch position {
                case .top(let votes, let id): self = .top(Leaderboard.TopKey(votes: votes, id: id))
                case .trending(let trend, let id): self = .trending(Leaderboard.TrendKey(trend: trend, id: id))
                }
            }
        }
        /// Sorted, without repeats.
        let ids: [Int64]
        /// Empty for orders that votes cannot change (newest first, relevance).
        let bounds: [Bound]

        init(ids: [Int64], bounds: [Bound] = []) {
            self.ids = Array(Set(ids)).sorted()
            self.bounds = bounds
        }

        init(ids: [Int64], bound: Bound?) {
            self.init(ids: ids, bounds: bound.map { [$0] } ?? [])
        }

        func shows(_ id: Int64) -> Bool {
            var low = 0, high = ids.count
            while low < high {
                let mid = (low + high) / 2
                if ids[mid] < id { low = mid + 1 } else { high = mid }
            }
            return low < ids.count && ids[low] == id
        }

        /// Whether the move leaves this page as it was: the idea is not on it, and (for each
        /// ranked list) it was after the list's last item and still is.
        func unchanged(by move: Move) -> Bool {
            if shows(move.id) { return false }
            return bounds.allSatisfy { bound in
                switch bound {
                case .top(let last):
                    return last < Leaderboard.TopKey(votes: move.oldVotes, id: move.id)
                        && last < Leaderboard.TopKey(votes: move.votes, id: move.id)
                case .trending(let last):
                    return last < Leaderboard.TrendKey(trend: move.oldTrend, id: move.id)
                        && last < Leaderboard.TrendKey(trend: move.trend, id: move.id)
                }
            }
        }
    }

    private enum Change {
        case structural
        case votes([Move])
    }

    private struct State {
        /// (commit, change) oldest first from `head`: at most `capacity` of them, holding at most
        /// `capacity` moves in all (a flood commits hundreds of votes at once).
        var records: [(commit: UInt64, change: Change)] = []
        var head = 0
        var moves = 0
        /// Commits up to this one may have changed ideas without a record left here.
        var floor: UInt64 = 0
        /// The newest structural commit, and per bucket of idea ids the newest commit that moved
        /// one of them: never dropped, so a page whose order votes cannot change is checked in
        /// a few steps, however many commits came since (an idea page read once a second while
        /// thousands of votes commit in between walked them all, on the event loop).
        var lastStructural: UInt64 = 0
        var movedAt = [UInt64](repeating: 0, count: ListingChanges.buckets)
    }

    /// Buckets of `movedAt` (ids share one when equal modulo this: a vote for one then retires
    /// the other's pages too, never the other way round). 512 KiB.
    static let buckets = 1 << 16

    private static func bucket(_ id: Int64) -> Int { Int(UInt64(bitPattern: id) & UInt64(buckets - 1)) }

    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int = 4_096) {
        self.capacity = capacity
    }

    /// Writer thread: commit `commit` changed ideas by votes alone (`moves`).
    func votes(_ moves: [Move], commit: UInt64) {
        // A commit of many votes most likely touched every page anyway: not worth its memory.
        append(moves.count > ListingChanges.mostMoves ? .structural : .votes(moves), commit: commit)
    }

    /// Moves one record may hold (a batch of more is logged as a structural change).
    static let mostMoves = 64

    /// Writer thread: commit `commit` changed what pages may show in any other way.
    func structural(commit: UInt64) {
        append(.structural, commit: commit)
    }

    private func append(_ change: Change, commit: UInt64) {
        let capacity = capacity
        state.withLock { state in
            // One commit may report twice (two tables): both records stay, in order.
            state.records.append((commit, change))
            switch change {
            case .structural:
                state.lastStructural = max(state.lastStructural, commit)
            case .votes(let moves):
                state.moves += moves.count
                for move in moves {
                    let bucket = ListingChanges.bucket(move.id)
                    state.movedAt[bucket] = max(state.movedAt[bucket], commit)
                }
            }
            while state.records.count - state.head > capacity || state.moves > capacity {
                let oldest = state.records[state.head]
                if case .votes(let moves) = oldest.change { state.moves -= moves.count }
                state.floor = max(state.floor, oldest.commit)
                // Its moves are freed now, not when the array is next compacted.
                state.records[state.head].change = .structural
                state.head += 1
            }
            if state.head >= capacity {
                state.records.removeFirst(state.head)
                state.head = 0
            }
        }
    }

    /// Whether a page of `shape` read at commit count `from` is still the page at count `to`.
    func unchanged(_ shape: Shape, from: UInt64, to: UInt64) -> Bool {
        if to <= from { return to == from }
        return state.withLock { state in
            // Pages in no vote order (relevance, newest, one idea's page): unchanged if nothing
            // structural and no vote for one of their ideas came after `from` (up to now, which
            // only errs towards a new page).
            if shape.bounds.isEmpty {
                return state.lastStructural <= from && shape.ids.allSatisfy { state.movedAt[ListingChanges.bucket($0)] <= from }
            }
            guard from >= state.floor else { return false }
            // Records are in commit order: walk back from the newest to the first after `from`.
            var index = state.records.count - 1
            while index >= state.head {
                let record = state.records[index]
                if record.commit <= from { break }
                if record.commit <= to {
                    switch record.change {
                    case .structural: return false
                    case .votes(let moves): for move in moves where !shape.unchanged(by: move) { return false }
                    }
                }
                index -= 1
            }
            return true
        }
    }
}
