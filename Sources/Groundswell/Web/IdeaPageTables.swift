import Logging
import SQLiteStore
import Storage

/// Which tables an idea page for readers who are not signed in may show, so that its kept copy
/// (`WebContext`'s page cache) outlives commits that cannot have changed it. Under real traffic a
/// vote lands every few milliseconds, and every commit used to retire every kept page: with one
/// vote in a hundred requests, every idea page was rendered again (74,000 kept pages a second
/// without votes, 11,400 renders a second with them).
///
/// The rule is the list pages' (`ListingChanges`, a log of its own for these pages): a commit that
/// changed ideas by their counts alone leaves the pages of the other ideas; any other change to
/// `ideas` retires them all, and so does a commit that changed any table not named in `notShown`
/// (comments, status history, links, pictures, awards, categories, staff, and any table added
/// later), a round's name or a customer's (`ShownColumnChanges`). A page keeps its
/// idea's id as its shape, so a vote for that idea retires it. Idea pages show nothing that
/// depends on the clock. PostgreSQL has no row hooks here: there every kept page ends at a commit.
enum IdeaPageTables {
    /// Tables whose rows no anonymous idea page shows. `votes` (and voided votes) count through
    /// `ideas`' own columns; flags act through the comments or ideas they hide; the rest are sign-in
    /// sessions, personal settings, notifications and campaign links (the page's personal parts are
    /// never kept), staff records and alerts, webhooks and their outbox, the engagement rollups,
    /// replayed answers, the server's own settings (the address key, and the retention purge's mark,
    /// which the scheduler writes once votes pass the retention period), and the search index's own tables
    /// (written only by `ideas`' triggers). `rounds` and `users` are followed by what pages show of
    /// them instead (a name, `ShownColumnChanges`): a round's row counts every vote in it.
    static let notShown: Set<String> = [
        "votes", "voided_votes", "flags", "rounds", "users", "campaigns", "campaign_votes", "sessions", "staff_sessions",
        "follows", "email_preferences", "notifications", "audit_log", "staff_alerts", "webhooks", "events",
        "webhook_deliveries", "activity_days", "rollup_marks", "idempotency_keys", "settings",
        "ideas_fts", "ideas_fts_data", "ideas_fts_idx", "ideas_fts_docsize", "ideas_fts_config", "schema_migrations",
    ]

    /// The log kept idea pages follow (SQLite): the writer records in it, before the commit count
    /// moves, every commit that changed a `watched` table, a round's name or a customer's; the
    /// ideas' own hook adds their votes and other changes. Nil (with a warning) when a watched
    /// table's changes cannot be seen.
    static func changeLog(_ writer: SQLWriter, logger: Logger) throws -> ListingChanges? {
        guard let watched = try writer.sync({ db in try watched(db) }) else {
            logger.warning("a table an idea page may show is WITHOUT ROWID: kept idea pages end at every commit")
            return nil
        }
        let log = ListingChanges()
        try writer.onCommit(changing: watched, operations: [.insert, .update, .delete], beforeCountMoves: true) {
            log.structural(commit: writer.commitCount + 1)
        }
        // Tables in `notShown` whose rows pages show in part (a name), by those columns; everything,
        // if the batch undid something.
        let shownInPart = [("users", ShownColumnChanges(columns: ["name"], newRowsShown: false)),
                           ("rounds", ShownColumnChanges(columns: ["name", "voting_opens_at", "voting_closes_at", "closed_at"],
                                                         newRowsShown: true))]
        for (table, recorder) in shownInPart {
            try writer.onCommittedRows(of: table, columns: recorder.columns, recorder: recorder) { _, _, recorded in
                if !recorded || recorder.shown { log.structural(commit: writer.commitCount + 1) }
            }
        }
        return log
    }

    /// The tables whose changes retire every kept idea page (all but `ideas`, followed by
    /// `ListingChanges` itself, and `notShown`); nil when one of them is a `WITHOUT ROWID` table,
    /// whose changes SQLite's update hook does not report: then no page outlives a commit.
    static func watched(_ db: SQLConnection) throws -> [String]? {
        var watched: [String] = []
        for table in try SchemaStore.tables(db) where table.name != "ideas" && !notShown.contains(table.name) {
            if table.withoutRowID { return nil }
            watched.append(table.name)
        }
        return watched
    }
}
