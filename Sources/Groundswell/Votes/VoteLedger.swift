import SQLiteStore

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
    public static func record(_ db: Connection, ideaID: Int64, userID: Int64, day: Int64, at time: Int64,
                              roundID: Int64?, addressHash: String?) throws -> Bool {
        try db.run("""
            INSERT INTO votes (idea_id, user_id, vote_day, created_at, round_id, addr_hash) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT DO NOTHING
            """, [ideaID, userID, day, time, roundID, addressHash])
        guard db.changes > 0 else { return false }
        // trend = log2 of the sum over votes of 2^((created_at - T0) / 1 day), T0 = 1700000000000 ms:
        // adding a vote is one log-sum-exp step (docs/api.md, "Trending").
        try db.run("""
            UPDATE ideas SET
                vote_count = vote_count + 1,
                last_vote_at = ?1,
                last_vote_id = ?2,
                trend = CASE
                    WHEN trend <= -1e8 THEN (?1 - 1700000000000) / 86400000.0
                    ELSE max(trend, (?1 - 1700000000000) / 86400000.0)
                         + log2(1 + pow(2, -abs(trend - (?1 - 1700000000000) / 86400000.0)))
                END
            WHERE id = ?3 AND round_id IS ?4
            """, [time, db.lastInsertRowID, ideaID, roundID])
        if let roundID {
            try db.run("UPDATE rounds SET vote_count = vote_count + 1 WHERE id = ?", [roundID])
        }
        return true
    }

    /// Takes back a person's vote for an idea on a day (in a round, or outside one: day 0);
    /// false if there was none. The delete triggers recompute the idea's figures.
    public static func retract(_ db: Connection, ideaID: Int64, userID: Int64, day: Int64, roundID: Int64?) throws -> Bool {
        try db.run("DELETE FROM votes WHERE idea_id = ? AND user_id = ? AND vote_day = ? AND round_id IS ?",
                   [ideaID, userID, day, roundID])
        return db.changes > 0
    }

    /// The idea's counted votes.
    public static func count(_ db: Connection, ideaID: Int64) throws -> Int64 {
        try db.scalarInt("SELECT vote_count FROM ideas WHERE id = ?", [ideaID]) ?? 0
    }

    /// Recomputes an idea's figures from its vote rows (after votes were inserted in bulk).
    public static func recount(_ db: Connection, ideaID: Int64) throws {
        try db.run("""
            UPDATE ideas SET
                vote_count = (SELECT COUNT(*) FROM votes WHERE idea_id = ideas.id AND round_id IS ideas.round_id),
                last_vote_at = (SELECT created_at FROM votes WHERE idea_id = ideas.id AND round_id IS ideas.round_id ORDER BY id DESC LIMIT 1),
                last_vote_id = (SELECT id FROM votes WHERE idea_id = ideas.id AND round_id IS ideas.round_id ORDER BY id DESC LIMIT 1),
                trend = COALESCE((
                    SELECT (m.mx - 1700000000000) / 86400000.0 + log2(SUM(pow(2, (v.created_at - m.mx) / 86400000.0)))
                    FROM votes v,
                         (SELECT MAX(created_at) AS mx FROM votes WHERE idea_id = ?1 AND round_id IS (SELECT round_id FROM ideas WHERE id = ?1)) m
                    WHERE v.idea_id = ?1 AND v.round_id IS (SELECT round_id FROM ideas WHERE id = ?1)), -1e9)
            WHERE id = ?1
            """, [ideaID])
    }
}
