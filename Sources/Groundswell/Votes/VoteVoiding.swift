import Rules
import JSON
import HTTPServer
import SQLiteStore

/// Removing counted votes (bans, fraud): each is copied to `voided_votes` for the tally,
/// then deleted, so counts, trending and leaderboards follow through the triggers.
/// Votes in closed rounds are never touched: their results are final.
enum VoteVoiding {
    static func void(_ db: Connection, userID: Int64, reason: String, now: Int64) throws -> Int {
        let open = "(v.round_id IS NULL OR EXISTS (SELECT 1 FROM rounds r WHERE r.id = v.round_id AND r.closed_at IS NULL AND r.voting_closes_at > ?))"
        try db.run("""
            INSERT INTO voided_votes (vote_id, idea_id, user_id, round_id, vote_day, created_at, voided_at, reason)
            SELECT v.id, v.idea_id, v.user_id, v.round_id, v.vote_day, v.created_at, ?, ? FROM votes v
            WHERE v.user_id = ? AND \(open)
            """, [now, reason, userID, now])
        try db.run("DELETE FROM votes WHERE id IN (SELECT v.id FROM votes v WHERE v.user_id = ? AND \(open))", [userID, now])
        return db.changes
    }
}
