import SQLiteStore
import Storage

/// Keeps `activity_days` up to date from the raw tables: votes (and votes voided since), customers'
/// comments, ideas, and the page views in `ReaderLog`. Runs on the writer (the scheduler every few
/// seconds, and before an engagement report), reading only rows it has not taken in yet, so its cost
/// is proportional to what happened since the last run — never a scan of the history; a history
/// (an upgraded deployment) is taken in `batch` rows per source and run.
///
/// A vote id can be reused when the newest vote is taken back (SQLite gives the next row the
/// largest id + 1): the run also looks at the 10,000 ids below its mark for votes created after
/// its last run. A vote cast and taken back between two runs leaves no activity.
enum EngagementRollup {
    struct Counts {
        var reads: Int64 = 0
        var votes: Int64 = 0
        var comments: Int64 = 0
        var ideas: Int64 = 0
    }

    /// Rows taken in per source and write at most (a report asked for takes this many; the
    /// scheduler sizes its batches by their cost, `RollupBatchSize`); a history (an upgraded
    /// deployment) is taken in over several writes.
    static let batch = 20_000

    struct Outcome {
        var wrote = false
        /// A source had more rows than the batch: run again.
        var more = false
        /// Rows taken in from the sources (votes, comments, ideas).
        var taken = 0
    }

    /// Rows one scheduler pass takes in at most before waiting for its next turn (a history of
    /// millions is taken in over several passes).
    static let passLimit = 2_000_000

    /// Takes in what is new (up to `batch` rows of each source).
    @discardableResult
    static func catchUp(_ db: SQLConnection, views: [ReaderLog.Key: Int64], now: Int64, batch: Int = batch) throws -> Outcome {
        // Nodes sharing PostgreSQL take turns: each reads the marks the one before it wrote.
        try db.lockExclusively("engagement-rollup")
        var marks: [String: Int64] = [:]
        _ = try db.query("SELECT name, value FROM rollup_marks") { marks[$0.string(0)] = $0.int64(1) }
        let voteMark = marks["votes"] ?? 0, lastRun = marks["run_at"] ?? 0
        var pending: [ReaderLog.Key: Counts] = [:]
        func add(_ actor: String, _ at: Int64, category: String?, round: Int64?, _ change: (inout Counts) -> Void) {
            let day = at / 86_400_000
            var scopes = [""]
            if let category { scopes.append("c:" + category) }
            if let round { scopes.append("r:\(round)") }
            for scope in scopes { change(&pending[ReaderLog.Key(day: day, actor: actor, scope: scope), default: Counts()]) }
        }
        // New votes, a batch at a time (a deployment that upgrades takes its history in over a
        // few runs instead of one long write), then votes voided since, by their old ids.
        var newVoteMark = voteMark
        var taken = 0
        let take = { (row: SQLRow) in
            add("u\(row.int64(1))", row.int64(2), category: row.string(3), round: row.optionalInt64(4)) { $0.votes += 1 }
        }
        _ = try db.query("""
            SELECT v.id, v.user_id, v.created_at, i.category, v.round_id FROM votes v JOIN ideas i ON i.id = v.idea_id
            WHERE v.id > ? ORDER BY v.id LIMIT ?
            """, [voteMark, batch]) { row in
            newVoteMark = row.int64(0)
            taken += 1
            take(row)
        }
        if taken < batch {
            // Caught up: a voided vote may have held the highest id.
            newVoteMark = max(newVoteMark, try db.scalarInt("SELECT MAX(vote_id) FROM voided_votes WHERE vote_id > ?", [voteMark]) ?? 0)
            // Ids below the mark reused since the last run (the newest vote was taken back).
            _ = try db.query("""
                SELECT v.id, v.user_id, v.created_at, i.category, v.round_id FROM votes v JOIN ideas i ON i.id = v.idea_id
                WHERE v.id > ?1 - 10000 AND v.id <= ?1 AND v.created_at > ?2
                """, [voteMark, lastRun], take)
        }
        _ = try db.query("""
            SELECT w.vote_id, w.user_id, w.created_at, i.category, w.round_id FROM voided_votes w JOIN ideas i ON i.id = w.idea_id
            WHERE w.vote_id > ? AND w.vote_id <= ?
            """, [voteMark, newVoteMark], take)
        let commentMark = marks["comments"] ?? 0
        var newCommentMark = commentMark
        var comments = 0
        _ = try db.query("""
            SELECT c.id, c.author_id, c.created_at, i.category, i.round_id FROM comments c JOIN ideas i ON i.id = c.idea_id
            WHERE c.id > ? ORDER BY c.id LIMIT ?
            """, [commentMark, batch]) { row in
            newCommentMark = row.int64(0)
            comments += 1
            // Staff answers move the mark too (they are not customers' activity).
            if !row.isNull(1) {
                add("u\(row.int64(1))", row.int64(2), category: row.string(3), round: row.optionalInt64(4)) { $0.comments += 1 }
            }
        }
        let ideaMark = marks["ideas"] ?? 0
        var newIdeaMark = ideaMark
        var ideas = 0
        _ = try db.query("SELECT id, author_id, created_at, category, round_id FROM ideas WHERE id > ? ORDER BY id LIMIT ?", [ideaMark, batch]) { row in
            newIdeaMark = row.int64(0)
            ideas += 1
            add("u\(row.int64(1))", row.int64(2), category: row.string(3), round: row.optionalInt64(4)) { $0.ideas += 1 }
        }
        for (key, reads) in views { pending[key, default: Counts()].reads += reads }
        let more = taken == batch || comments == batch || ideas == batch
        guard !pending.isEmpty || newVoteMark != voteMark || newCommentMark != commentMark || newIdeaMark != ideaMark else {
            return Outcome(wrote: false, more: false, taken: 0)
        }
        let upsert = """
            INSERT INTO activity_days (scope, day, actor, reads, votes, comments, ideas) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (scope, day, actor) DO UPDATE SET reads = activity_days.reads + excluded.reads, votes = activity_days.votes + excluded.votes,
              comments = activity_days.comments + excluded.comments, ideas = activity_days.ideas + excluded.ideas
            """
        // In the table's key order: each page of `activity_days` is read, changed and spilled once
        // for all its rows in the batch, instead of again for each row in hash order.
        for (key, counts) in pending.sorted(by: { ReaderLog.Key.precedesInTable($0.key, $1.key) }) {
            try db.run(upsert, [key.scope, key.day, key.actor, counts.reads, counts.votes, counts.comments, counts.ideas])
        }
        for (name, value) in [("votes", newVoteMark), ("comments", newCommentMark), ("ideas", newIdeaMark), ("run_at", now)] {
            try db.run("INSERT INTO rollup_marks (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                       [name, value])
        }
        return Outcome(wrote: true, more: more, taken: taken + comments + ideas)
    }

    /// Takes in everything after the marks with one aggregate statement per source and scope,
    /// in the caller's transaction: for a bulk import (`groundswell seed`), where 20,000,000 votes
    /// through `catchUp` would take minutes of 20,000-row writes. The same rows as `catchUp`
    /// (new votes, votes voided since, customers' comments, ideas), minus its look below the
    /// vote mark for reused ids, which an import has none of.
    static func takeInAll(_ db: SQLConnection, now: Int64) throws {
        try db.lockExclusively("engagement-rollup")
        var marks: [String: Int64] = [:]
        _ = try db.query("SELECT name, value FROM rollup_marks") { marks[$0.string(0)] = $0.int64(1) }
        let votes = marks["votes"] ?? 0, comments = marks["comments"] ?? 0, ideas = marks["ideas"] ?? 0
        // (source rows with their day, actor, category and round, the column they count, the mark)
        let sources: [(rows: String, column: String, mark: Int64)] = [
            ("SELECT v.created_at AS at, v.user_id AS who, i.category AS category, v.round_id AS round FROM votes v JOIN ideas i ON i.id = v.idea_id WHERE v.id > ?1",
             "votes", votes),
            ("SELECT w.created_at AS at, w.user_id AS who, i.category AS category, w.round_id AS round FROM voided_votes w JOIN ideas i ON i.id = w.idea_id WHERE w.vote_id > ?1",
             "votes", votes),
            ("SELECT c.created_at AS at, c.author_id AS who, i.category AS category, i.round_id AS round FROM comments c JOIN ideas i ON i.id = c.idea_id WHERE c.id > ?1 AND c.author_id IS NOT NULL",
             "comments", comments),
            ("SELECT created_at AS at, author_id AS who, category, round_id AS round FROM ideas WHERE id > ?1", "ideas", ideas),
        ]
        for source in sources {
            for scope in ["''", "'c:' || category", "'r:' || round"] {
                try db.run("""
                    INSERT INTO activity_days (scope, day, actor, \(source.column))
                    SELECT \(scope), at / 86400000, 'u' || who, COUNT(*) FROM (\(source.rows)) src WHERE \(scope) IS NOT NULL GROUP BY 1, 2, 3
                    ON CONFLICT (scope, day, actor) DO UPDATE SET \(source.column) = activity_days.\(source.column) + excluded.\(source.column)
                    """, [source.mark])
            }
        }
        let newVotes = max(try db.scalarInt("SELECT MAX(id) FROM votes") ?? 0, try db.scalarInt("SELECT MAX(vote_id) FROM voided_votes") ?? 0)
        for (name, value) in [("votes", max(votes, newVotes)), ("comments", max(comments, try db.scalarInt("SELECT MAX(id) FROM comments") ?? 0)),
                              ("ideas", max(ideas, try db.scalarInt("SELECT MAX(id) FROM ideas") ?? 0)), ("run_at", now)] {
            try db.run("INSERT INTO rollup_marks (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                       [name, value])
        }
    }

    /// Whether a run would find anything new in the raw tables (read first, so an idle scheduler
    /// never commits, which would retire the page caches).
    static func behind(_ db: SQLConnection) throws -> Bool {
        var marks: [String: Int64] = [:]
        _ = try db.query("SELECT name, value FROM rollup_marks") { marks[$0.string(0)] = $0.int64(1) }
        let votes = try db.scalarInt("SELECT MAX(id) FROM votes") ?? 0
        let voided = try db.scalarInt("SELECT MAX(vote_id) FROM voided_votes") ?? 0
        let comments = try db.scalarInt("SELECT MAX(id) FROM comments") ?? 0
        let ideas = try db.scalarInt("SELECT MAX(id) FROM ideas") ?? 0
        return max(votes, voided) > (marks["votes"] ?? 0) || comments > (marks["comments"] ?? 0) || ideas > (marks["ideas"] ?? 0)
    }
}
