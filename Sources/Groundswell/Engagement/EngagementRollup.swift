import SQLiteStore

/// Keeps `activity_days` up to date from the raw tables: votes (and votes voided since), customers'
/// comments, ideas, and the page views in `ReaderLog`. Runs on the writer (the scheduler every few
/// seconds, and before an engagement report), reading only rows it has not taken in yet, so its cost
/// is proportional to what happened since the last run — never a scan of the history.
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

    /// Takes in everything new; returns whether anything was written.
    @discardableResult
    static func catchUp(_ db: Connection, views: [ReaderLog.Key: Int64], now: Int64) throws -> Bool {
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
        var newVoteMark = voteMark
        _ = try db.query("""
            SELECT v.id, v.user_id, v.created_at, i.category, v.round_id FROM votes v JOIN ideas i ON i.id = v.idea_id
            WHERE v.id > ?1 OR (v.id > ?1 - 10000 AND v.created_at > ?2)
            UNION ALL
            SELECT w.vote_id, w.user_id, w.created_at, i.category, w.round_id FROM voided_votes w JOIN ideas i ON i.id = w.idea_id
            WHERE w.vote_id > ?1
            """, [voteMark, lastRun]) { row in
            newVoteMark = max(newVoteMark, row.int64(0))
            add("u\(row.int64(1))", row.int64(2), category: row.string(3), round: row.optionalInt64(4)) { $0.votes += 1 }
        }
        let commentMark = marks["comments"] ?? 0
        var newCommentMark = commentMark
        _ = try db.query("""
            SELECT c.id, c.author_id, c.created_at, i.category, i.round_id FROM comments c JOIN ideas i ON i.id = c.idea_id
            WHERE c.id > ? AND c.author_id IS NOT NULL
            """, [commentMark]) { row in
            newCommentMark = max(newCommentMark, row.int64(0))
            add("u\(row.int64(1))", row.int64(2), category: row.string(3), round: row.optionalInt64(4)) { $0.comments += 1 }
        }
        // Staff answers move the comment mark too (they are skipped, not re-read).
        if let top = try db.scalarInt("SELECT MAX(id) FROM comments"), top > newCommentMark { newCommentMark = top }
        let ideaMark = marks["ideas"] ?? 0
        var newIdeaMark = ideaMark
        _ = try db.query("SELECT id, author_id, created_at, category, round_id FROM ideas WHERE id > ?", [ideaMark]) { row in
            newIdeaMark = max(newIdeaMark, row.int64(0))
            add("u\(row.int64(1))", row.int64(2), category: row.string(3), round: row.optionalInt64(4)) { $0.ideas += 1 }
        }
        for (key, reads) in views { pending[key, default: Counts()].reads += reads }
        guard !pending.isEmpty || newVoteMark != voteMark || newCommentMark != commentMark || newIdeaMark != ideaMark else {
            return false
        }
        let upsert = """
            INSERT INTO activity_days (scope, day, actor, reads, votes, comments, ideas) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (scope, day, actor) DO UPDATE SET reads = reads + excluded.reads, votes = votes + excluded.votes,
              comments = comments + excluded.comments, ideas = ideas + excluded.ideas
            """
        for (key, counts) in pending {
            try db.run(upsert, [key.scope, key.day, key.actor, counts.reads, counts.votes, counts.comments, counts.ideas])
        }
        for (name, value) in [("votes", newVoteMark), ("comments", newCommentMark), ("ideas", newIdeaMark), ("run_at", now)] {
            try db.run("INSERT INTO rollup_marks (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                       [name, value])
        }
        return true
    }

    /// Whether a run would find anything new in the raw tables (read first, so an idle scheduler
    /// never commits, which would retire the page caches).
    static func behind(_ db: Connection) throws -> Bool {
        var marks: [String: Int64] = [:]
        _ = try db.query("SELECT name, value FROM rollup_marks") { marks[$0.string(0)] = $0.int64(1) }
        let votes = try db.scalarInt("SELECT MAX(id) FROM votes") ?? 0
        let voided = try db.scalarInt("SELECT MAX(vote_id) FROM voided_votes") ?? 0
        let comments = try db.scalarInt("SELECT MAX(id) FROM comments") ?? 0
        let ideas = try db.scalarInt("SELECT MAX(id) FROM ideas") ?? 0
        return max(votes, voided) > (marks["votes"] ?? 0) || comments > (marks["comments"] ?? 0) || ideas > (marks["ideas"] ?? 0)
    }
}
