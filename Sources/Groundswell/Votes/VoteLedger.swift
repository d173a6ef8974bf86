import Rules
import SQLiteStore
import Storage

/// The one way a vote row is written. It keeps what used to be kept by insert triggers —
/// the idea's `vote_count`, reach time (`last_vote_at`, `last_vote_id`) and trending score,
/// and the round's `vote_count` — with single-row statements in the caller's transaction,
/// so counts still equal rows at every commit (see Migrations/0005_vote_ledger.sql for why
/// not triggers). Anything that inserts votes in bulk calls `recount` afterwards.
public enum VoteLedger {
    /// Inserts the vote unless the person already voted for that idea on that day; true if
    /// it was inserted. The idea's figures change only when the vote belongs to the idea's
    /// current context (`roundID` equals the idea's round, or both are outside rounds).
    @discardableResult
    /// `current`: the idea's count and trending score as the caller just read them in this
    /// transaction, when the vote belongs to the idea's context (saves reading them again).
    public static func record(_ db: SQLConnection, ideaID: Int64, userID: Int64, day: Int64, at time: Int64,
                              roundID: Int64?, addressHash: String?, current: (votes: Int64, trend: Double)? = nil) throws -> Bool {
        try db.run("""
            INSERT INTO votes (idea_id, user_id, vote_day, created_at, round_id, addr_hash) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT DO NOTHING
            """, [ideaID, userID, day, time, roundID, addressHash])
        guard db.changes > 0 else { return false }
        let voteID = db.lastInsertRowID
        // Adding a vote is one log-sum-exp step of the one formula (Rules.Trending).
        let trend = try current.map(\.trend)
            ?? db.queryOne("SELECT trend FROM ideas WHERE id = ? AND round_id IS ?", [ideaID, roundID], { $0.double(0) })
        if let trend {
            try db.run(countUpdate, [time, voteID, Trending.add(trend, Trending.exponent(time)), ideaID])
        }
        if let roundID {
            try db.run("UPDATE rounds SET vote_count = vote_count + 1 WHERE id = ?", [roundID])
        }
        return true
    }

    /// A counted vote's change to its idea: these four columns and no other (`ListingChanges` tells
    /// a vote from other changes to an idea by this statement).
    public static let countUpdate = "UPDATE ideas SET vote_count = vote_count + 1, last_vote_at = ?, last_vote_id = ?, trend = ? WHERE id = ?"

    /// Takes back a person's vote for an idea on a day (in a round, or outside one: day 0);
    /// false if there was none. The idea's figures are recounted.
    public static func retract(_ db: SQLConnection, ideaID: Int64, userID: Int64, day: Int64, roundID: Int64?) throws -> Bool {
        try db.run("DELETE FROM votes WHERE idea_id = ? AND user_id = ? AND vote_day = ? AND round_id IS ?",
                   [ideaID, userID, day, roundID])
        guard db.changes > 0 else { return false }
        try recount(db, ideaID: ideaID)
        return true
    }

    /// Deletes every vote of `ideaID` (its votes moved to another idea) and recounts it.
    public static func deleteAll(_ db: SQLConnection, ideaID: Int64) throws {
        try db.run("DELETE FROM votes WHERE idea_id = ?", [ideaID])
        try recount(db, ideaID: ideaID)
    }

    /// Reads what recording the person's vote outside rounds will change, so its pages are in the
    /// kernel's cache when the writer needs them (`VotePrefetch`): the idea's row, the place of
    /// the vote in the unique index, the end of the person's entries in `votes_round_day`.
    static func readPages(_ db: SQLConnection, ideaID: Int64, userID: Int64) throws {
        _ = try db.scalarInt("SELECT vote_count FROM ideas WHERE id = ?", [ideaID])
        _ = try db.scalarInt("SELECT 1 FROM votes WHERE idea_id = ? AND user_id = ? AND vote_day = 0", [ideaID, userID])
        _ = try db.scalarInt("SELECT id FROM votes WHERE user_id = ? AND round_id IS NULL AND vote_day = 0 ORDER BY id DESC LIMIT 1", [userID])
    }

    /// Whether the person has a vote for the idea on `day` (0 outside rounds).
    public static func hasVoted(_ db: SQLConnection, ideaID: Int64, userID: Int64, day: Int64) throws -> Bool {
        try db.scalarInt("SELECT 1 FROM votes WHERE idea_id = ? AND user_id = ? AND vote_day = ?", [ideaID, userID, day]) != nil
    }

    /// The idea's counted votes.
    public static func count(_ db: SQLConnection, ideaID: Int64) throws -> Int64 {
        try db.scalarInt("SELECT vote_count FROM ideas WHERE id = ?", [ideaID]) ?? 0
    }

    /// Recomputes an idea's count, reach time and trending score from the vote rows of its
    /// current context (its round, or none), with Rules.Trending: after votes were inserted in
    /// bulk or deleted.
    public static func recount(_ db: SQLConnection, ideaID: Int64) throws {
        guard let roundID = try db.queryOne("SELECT round_id FROM ideas WHERE id = ?", [ideaID], { $0.optionalInt64(0) }) else { return }
        var times: [Int64] = []
        var last: (id: Int64, at: Int64)?
        _ = try db.query("SELECT id, created_at FROM votes WHERE idea_id = ? AND round_id IS ? ORDER BY id", [ideaID, roundID]) { row in
            times.append(row.int64(1))
            last = (row.int64(0), row.int64(1))
        }
        try db.run("UPDATE ideas SET vote_count = ?, last_vote_at = ?, last_vote_id = ?, trend = ? WHERE id = ?",
                   [Int64(times.count), last?.at, last?.id, Trending.score(times), ideaID])
    }
}
