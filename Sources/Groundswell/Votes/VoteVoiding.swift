import Rules
import JSON
import HTTPServer
import SQLiteStore
import Storage

/// Removing counted votes (bans, fraud): each is copied to `voided_votes` for the tally,
/// then deleted, and the ideas it touched recounted (counts, trending and leaderboards follow).
/// Votes in closed rounds are never touched: their results are final.
enum VoteVoiding {
    static func void(_ db: SQLConnection, userID: Int64, reason: String, now: Int64) throws -> Int {
        let open = "(v.round_id IS NULL OR EXISTS (SELECT 1 FROM rounds r WHERE r.id = v.round_id AND r.closed_at IS NULL AND r.voting_closes_at > ?))"
        try db.run("""
            INSERT INTO voided_votes (vote_id, idea_id, user_id, round_id, vote_day, created_at, voided_at, reason)
            SELECT v.id, v.idea_id, v.user_id, v.round_id, v.vote_day, v.created_at, ?, ? FROM votes v
            WHERE v.user_id = ? AND \(open)
            """, [now, reason, userID, now])
        let ideas = try db.query("SELECT DISTINCT v.idea_id FROM votes v WHERE v.user_id = ? AND \(open)", [userID, now]) { $0.int64(0) }
        try db.run("DELETE FROM votes WHERE id IN (SELECT v.id FROM votes v WHERE v.user_id = ? AND \(open))", [userID, now])
        let voided = db.changes
        for idea in ideas { try VoteLedger.recount(db, ideaID: idea) }
        return voided
    }
}
