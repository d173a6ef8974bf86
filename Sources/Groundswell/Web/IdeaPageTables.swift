import Logging
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
/// (comments, people's names, status history, links, pictures, awards, settings, and any table
/// added later) or a round's name (`RoundNames`). A page keeps its idea's id as its shape, so a vote
/// for that idea retires it. Idea pages show nothing that depends on the clock.
enum IdeaPageTables {
    /// Tables whose rows no anonymous idea page shows. `votes` counts through `ideas`' own
    /// columns; the rest are sign-in sessions, personal settings and notifications (the page's
    /// personal parts are never kept), staff records, the webhook outbox, the engagement rollups,
    /// replayed answers, and the search index's own tables (written only by `ideas`' triggers).
    /// `rounds` is followed by `RoundNames` instead (its vote count changes with every vote in a round).
    static let notShown: Set<String> = [
        "votes", "rounds", "campaign_votes", "sessions", "staff_sessions", "follows", "email_preferences", "notifications",
        "audit_log", "events", "webhook_deliveries", "activity_days", "rollup_marks", "idempotency_keys",
        "ideas_fts", "ideas_fts_data", "ideas_fts_idx", "ideas_fts_docsize", "ideas_fts_config", "schema_migrations",
    ]

    /// The log kept idea pages follow (SQLite): the writer records in it, before the commit count
    /// moves, every commit that changed a `watched` table or a round's name; the ideas' own hook
    /// adds their votes and other changes. Nil (with a warning) when a watched table's changes
    /// cannot be seen.
    static func changeLog(_ writer: SQLWriter, logger: Logger) throws -> ListingChanges? {
        guard let watched = try writer.sync({ db in try watched(db) }) else {
            logger.warning("a table an idea page may show is WITHOUT ROWID: kept idea pages end at every commit")
            return nil
        }
        let log = ListingChanges()
        let roundNames = try writer.sync { db in try RoundNames(db) }
        // A new customer is on no page yet; a changed or erased one may be (a name).
        let people = watched.filter { $0 == "users" }
        try writer.onCommit(changing: watched.filter { $0 != "users" }, operations: [.insert, .update, .delete], beforeCountMoves: true) {
            log.structural(commit: writer.commitCount + 1)
        }
        try writer.onCommit(changing: people, operations: [.update, .delete], beforeCountMoves: true) {
            log.structural(commit: writer.commitCount + 1)
        }
        try writer.onCommittedRows(of: "rounds") { db, ids in
            if roundNames.changed(db, ids: ids) { log.structural(commit: writer.commitCount + 1) }
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
