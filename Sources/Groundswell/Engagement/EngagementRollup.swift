import SQLiteStore
import Storage

/// Keeps `activity_days` up to date from the raw tables: votes (and votes voided since), customers'
/// comments, ideas, and the page views in `ReaderLog`. Runs on the writer (the scheduler every few
/// seconds, and before an engagement report), reading only rows it has not taken in yet, so its cost
/// is proportional to what happened since the last run — never a scan of the history; a history
/// (an upgraded deployment) is taken in over several windows (`RollupWindow`: up to `windowRows`
/// rows per source, written customer range by customer range).
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

    /// The most `activity_days` entries one write of a window takes in (`RollupBatchSize` sizes
    /// each write below it by its cost).
    static let batch = 20_000

    struct Outcome {
        var wrote = false
        /// A window is still open, or a source has rows after the last one: run again.
        var more = false
        /// `activity_days` entries (customer, scope, day) written from the sources.
        var taken = 0
        /// The marks moved under every try (another node is writing): nothing was written, the
        /// page views passed in neither.
        var gaveUp = false
        /// The writer's time for this write (a scheduled write's, set by `RollupStats.scheduled`).
        var seconds = 0.0
    }

    /// Entries one scheduler pass writes at most before waiting for its next turn (a history of
    /// millions is taken in over several passes).
    static let passLimit = 2_000_000

    /// The marks as `rollup_marks` holds them, with the open window's ends and the actor it
    /// reached, if one is open.
    struct Marks {
        var votes: Int64 = 0
        var comments: Int64 = 0
        var ideas: Int64 = 0
        var runAt: Int64 = 0
        var window: RollupWindow.Ends?
        var resume: Int64?

        /// The last id of each source taken in.
        var reached: RollupWindow.Ends { RollupWindow.Ends(votes: votes, comments: comments, ideas: ideas) }

        static func read(_ db: SQLConnection) throws -> Marks {
            var values: [String: Int64] = [:]
            _ = try db.query("SELECT name, value FROM rollup_marks") { values[$0.string(0)] = $0.int64(1) }
            var marks = Marks(votes: values["votes"] ?? 0, comments: values["comments"] ?? 0, ideas: values["ideas"] ?? 0,
                              runAt: values["run_at"] ?? 0)
            if let votes = values["window_votes"], let comments = values["window_comments"], let ideas = values["window_ideas"] {
                marks.window = RollupWindow.Ends(votes: votes, comments: comments, ideas: ideas)
                marks.resume = values["window_actor"]
            }
            return marks
        }
    }

    /// Source rows one scheduled window aggregates at most, per source (its entries, 32 bytes
    /// each, one to three per row before equal ones merge, stay in memory between its writes).
    static let windowRows = 100_000

    /// One scheduled write: the window's next `keys` entries (whole customers) and `views`. The
    /// window is aggregated on a reader (`window(_:_:rows:)`), not here, so that its reads never
    /// hold the writer; nil, with nothing written, when the marks have moved since (a report or
    /// another node wrote): aggregate it again.
    static func slice(_ db: SQLConnection, window: inout RollupWindow, views: [ReaderLog.Key: Int64], now: Int64,
                      keys: Int) throws -> Outcome? {
        try db.lockExclusively("engagement-rollup")
        var marks = try Marks.read(db)
        guard window.continues(marks) else { return nil }
        var outcome = Outcome()
        try write(db, &window, keys: keys, marks: &marks, now: now, outcome: &outcome)
        try write(db, views: views, outcome: &outcome)
        outcome.more = !window.finished || window.more
        return outcome
    }

    /// What the scheduler runs, a write at a time: the open window's next slice, the window
    /// aggregated on a reader first when there is none, and again when the marks moved under it.
    /// `keys`: the slice's size (tests), or nil for the one `RollupBatchSize` gives. `open` is the
    /// window left open after the write.
    static func scheduledWrite(_ context: AppContext, window open: inout RollupWindow?, views: [ReaderLog.Key: Int64],
                               keys fixed: Int? = nil) throws -> Outcome {
        // Another node's writes can move the marks between our read and our write; a few tries,
        // then this pass leaves the rest to that node.
        for _ in 0..<3 {
            var current = try open ?? context.read { db in try window(db, Marks.read(db), rows: windowRows) }
            let clock = context.clock, stats = context.rollupStats
            let written = try context.database.writer.sync { db in
                try stats.scheduled { keys in try slice(db, window: &current, views: views, now: clock.nowMillis(), keys: fixed ?? keys) }
            }
            guard let written else {
                open = nil
                continue
            }
            open = current.finished ? nil : current
            return written
        }
        return Outcome(gaveUp: true)
    }

    /// The open window aggregated again from its rows, or a new one from the marks: up to `rows`
    /// rows of each source.
    static func window(_ db: SQLConnection, _ marks: Marks, rows: Int) throws -> RollupWindow {
        // One entry per row and scope; sorted and merged at the end (`RollupWindow.aggregate`).
        var raw: [RollupWindow.Entry] = []
        var scopeNames = [""], scopeIndex = ["": UInt32(0)]
        func scope(_ name: String) -> UInt32 {
            if let index = scopeIndex[name] { return index }
            let index = UInt32(scopeNames.count)
            scopeNames.append(name)
            scopeIndex[name] = index
            return index
        }
        var compactAt = RollupWindow.compactionChunk
        func add(_ who: Int64, _ at: Int64, category: String?, round: Int64?, _ change: (inout RollupWindow.Entry) -> Void) {
            var entry = RollupWindow.Entry(actorID: who, day: Int32(clamping: at / 86_400_000), scope: 0)
            change(&entry)
            raw.append(entry)
            if let category {
                entry.scope = scope("c:" + category)
                raw.append(entry)
            }
            if let round {
                entry.scope = scope("r:\(round)")
                raw.append(entry)
            }
            if raw.count >= compactAt {
                RollupWindow.compact(&raw)
                compactAt = max(RollupWindow.compactionChunk, 2 * raw.count)
            }
        }
        let ends: RollupWindow.Ends
        if let open = marks.window {
            ends = open
        } else {
            // The id `rows` rows after the mark, or the last there is.
            func end(_ table: String, after mark: Int64) throws -> Int64 {
                try db.scalarInt("SELECT id FROM \(table) WHERE id > ? ORDER BY id LIMIT 1 OFFSET ?", [mark, rows - 1])
                    ?? max(mark, try db.scalarInt("SELECT MAX(id) FROM \(table)") ?? 0)
            }
            var votes = try end("votes", after: marks.votes)
            // Caught up: a voided vote may have held the highest id.
            if try db.scalarInt("SELECT 1 FROM votes WHERE id > ?", [votes]) == nil {
                votes = max(votes, try db.scalarInt("SELECT MAX(vote_id) FROM voided_votes WHERE vote_id > ?", [marks.votes]) ?? 0)
            }
            ends = RollupWindow.Ends(votes: votes, comments: try end("comments", after: marks.comments),
                                     ideas: try end("ideas", after: marks.ideas))
        }
        let take = { (row: SQLRow) in
            add(row.int64(1), row.int64(2), category: row.string(3), round: row.optionalInt64(4)) { $0.votes += 1 }
        }
        // New votes, and votes voided since (by their old ids).
        _ = try db.query("""
            SELECT v.id, v.user_id, v.created_at, i.category, v.round_id FROM votes v JOIN ideas i ON i.id = v.idea_id
            WHERE v.id > ? AND v.id <= ?
            """, [marks.votes, ends.votes], take)
        _ = try db.query("""
            SELECT w.vote_id, w.user_id, w.created_at, i.category, w.round_id FROM voided_votes w JOIN ideas i ON i.id = w.idea_id
            WHERE w.vote_id > ? AND w.vote_id <= ?
            """, [marks.votes, ends.votes], take)
        // Ids below the mark reused since the last run (the newest vote was taken back).
        _ = try db.query("""
            SELECT v.id, v.user_id, v.created_at, i.category, v.round_id FROM votes v JOIN ideas i ON i.id = v.idea_id
            WHERE v.id > ?1 - 10000 AND v.id <= ?1 AND v.created_at > ?2
            """, [marks.votes, marks.runAt], take)
        // Customers' comments; staff answers (no author) are not customers' activity, though the
        // window's end moves past them too.
        _ = try db.query("""
            SELECT c.id, c.author_id, c.created_at, i.category, i.round_id FROM comments c JOIN ideas i ON i.id = c.idea_id
            WHERE c.id > ? AND c.id <= ? AND c.author_id IS NOT NULL
            """, [marks.comments, ends.comments]) { row in
            add(row.int64(1), row.int64(2), category: row.string(3), round: row.optionalInt64(4)) { $0.comments += 1 }
        }
        _ = try db.query("SELECT id, author_id, created_at, category, round_id FROM ideas WHERE id > ? AND id <= ?",
                         [marks.ideas, ends.ideas]) { row in
            add(row.int64(1), row.int64(2), category: row.string(3), round: row.optionalInt64(4)) { $0.ideas += 1 }
        }
        let more = try db.scalarInt("SELECT 1 FROM votes WHERE id > ?", [ends.votes]) != nil
            || db.scalarInt("SELECT 1 FROM voided_votes WHERE vote_id > ?", [ends.votes]) != nil
            || db.scalarInt("SELECT 1 FROM comments WHERE id > ?", [ends.comments]) != nil
            || db.scalarInt("SELECT 1 FROM ideas WHERE id > ?", [ends.ideas]) != nil
        let (entries, scopes) = RollupWindow.aggregate(&raw, scopes: scopeNames)
        return RollupWindow(start: marks.reached, ends: ends, entries: entries, scopes: scopes, more: more,
                            resume: marks.window == nil ? nil : marks.resume)
    }

    /// Writes the rest of a window the scheduler left open, if there is one (its customers written so
    /// far must not count twice), aggregated again here.
    private static func finishOpenWindow(_ db: SQLConnection, marks: inout Marks, now: Int64,
                                         outcome: inout Outcome) throws {
        guard marks.window != nil else { return }
        var open = try window(db, marks, rows: windowRows)
        try write(db, &open, keys: Int.max, marks: &marks, now: now, outcome: &outcome)
    }

    /// Writes the window's next `keys` entries and moves `rollup_marks` with them: the window's
    /// ends and reach while it is open, the marks themselves (and the window gone) with its last.
    private static func write(_ db: SQLConnection, _ window: inout RollupWindow, keys: Int, marks: inout Marks,
                              now: Int64, outcome: inout Outcome) throws {
        let moves = window.ends != marks.reached
        guard moves || !window.finished else { return }
        let opening = marks.window == nil
        let taken = window.take(keys: keys)
        for index in taken {
            try upsert(db, window.key(at: index), window.counts(at: index))
        }
        outcome.taken += taken.count
        outcome.wrote = true
        let ends = window.ends
        if window.finished {
            try setMarks(db, [("votes", ends.votes), ("comments", ends.comments), ("ideas", ends.ideas), ("run_at", now)])
            try db.run("DELETE FROM rollup_marks WHERE name IN ('window_votes', 'window_comments', 'window_ideas', 'window_actor')")
            marks = Marks(votes: ends.votes, comments: ends.comments, ideas: ends.ideas, runAt: now)
        } else {
            if opening { try setMarks(db, [("window_votes", ends.votes), ("window_comments", ends.comments), ("window_ideas", ends.ideas)]) }
            if let reached = window.resume { try setMarks(db, [("window_actor", reached)]) }
            marks.window = ends
            marks.resume = window.resume
        }
    }

    /// Page views (counted in memory by `ReaderLog`), in the table's key order.
    private static func write(_ db: SQLConnection, views: [ReaderLog.Key: Int64], outcome: inout Outcome) throws {
        for (key, reads) in views.sorted(by: { ReaderLog.Key.precedesInTable($0.key, $1.key) }) {
            var counts = Counts()
            counts.reads = reads
            try upsert(db, key, counts)
        }
        if !views.isEmpty { outcome.wrote = true }
    }

    private static func upsert(_ db: SQLConnection, _ key: ReaderLog.Key, _ counts: Counts) throws {
        try db.run("""
            INSERT INTO activity_days (scope, day, actor, reads, votes, comments, ideas) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (scope, day, actor) DO UPDATE SET reads = activity_days.reads + excluded.reads, votes = activity_days.votes + excluded.votes,
              comments = activity_days.comments + excluded.comments, ideas = activity_days.ideas + excluded.ideas
            """, [key.scope, key.day, key.actor, counts.reads, counts.votes, counts.comments, counts.ideas])
    }

    private static func setMarks(_ db: SQLConnection, _ values: [(String, Int64)]) throws {
        for (name, value) in values {
            try db.run("INSERT INTO rollup_marks (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                       [name, value])
        }
    }

    /// Takes in everything after the marks with one aggregate statement per source and scope,
    /// in the caller's transaction: for a bulk import (`groundswell seed`), where 20,000,000 votes
    /// in the scheduler's windows would take minutes of writes. The same rows as those windows
    /// (new votes, votes voided since, customers' comments, ideas), minus its look below the
    /// vote mark for reused ids, which an import has none of.
    static func takeInAll(_ db: SQLConnection, now: Int64) throws {
        try db.lockExclusively("engagement-rollup")
        var marks = try Marks.read(db)
        var finished = Outcome()
        try finishOpenWindow(db, marks: &marks, now: now, outcome: &finished)
        let votes = marks.votes, comments = marks.comments, ideas = marks.ideas
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
        try setMarks(db, [("votes", max(votes, newVotes)), ("comments", max(comments, try db.scalarInt("SELECT MAX(id) FROM comments") ?? 0)),
                          ("ideas", max(ideas, try db.scalarInt("SELECT MAX(id) FROM ideas") ?? 0)), ("run_at", now)])
    }

    /// Whether a run would find anything new in the raw tables (read first, so an idle scheduler
    /// never commits, which would retire the page caches).
    static func behind(_ db: SQLConnection) throws -> Bool {
        let marks = try Marks.read(db)
        if marks.window != nil { return true }
        let votes = try db.scalarInt("SELECT MAX(id) FROM votes") ?? 0
        let voided = try db.scalarInt("SELECT MAX(vote_id) FROM voided_votes") ?? 0
        let comments = try db.scalarInt("SELECT MAX(id) FROM comments") ?? 0
        let ideas = try db.scalarInt("SELECT MAX(id) FROM ideas") ?? 0
        return max(votes, voided) > marks.votes || comments > marks.comments || ideas > marks.ideas
    }
}
