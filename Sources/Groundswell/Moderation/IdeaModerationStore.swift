import JSON
import SQLiteStore
import Storage

/// Every statement staff moderation makes about ideas: statuses with their public history,
/// visibility, and merging a duplicate into another idea.
enum IdeaModerationStore {
    struct State {
        let status: String
        let hidden: Bool
        let roundID: Int64?
        let mergedInto: Int64?
    }

    static func state(_ db: SQLConnection, id: Int64) throws -> State? {
        try db.queryOne("SELECT status, hidden, round_id, merged_into FROM ideas WHERE id = ?", [id]) {
            State(status: $0.string(0), hidden: $0.bool(1), roundID: $0.optionalInt64(2), mergedInto: $0.optionalInt64(3))
        }
    }

    /// Moves the idea to `status` and writes the public history entry with staff's note.
    static func changeStatus(_ db: SQLConnection, id: Int64, from: String, to status: String, note: String?,
                             staff: StaffMember, at now: Int64) throws {
        try db.run("UPDATE ideas SET status = ? WHERE id = ?", [status, id])
        try db.run("""
            INSERT INTO idea_status_history (idea_id, from_status, to_status, note, staff_id, staff_name, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, [id, from, status, note, staff.id, staff.name, now])
    }

    static func setHidden(_ db: SQLConnection, id: Int64, hidden: Bool) throws {
        try db.run("UPDATE ideas SET hidden = ? WHERE id = ?", [hidden, id])
    }

    /// The public history of a visible idea: "submitted" at creation, then each status change.
    static func historyJSON(_ db: SQLConnection, id: Int64) throws -> [UInt8]? {
        guard let created = try db.queryOne("SELECT created_at FROM ideas WHERE id = ? AND hidden = 0", [id], { $0.int64(0) }) else {
            return nil
        }
        var json = JSONWriter(capacity: 1024)
        json.beginObject()
        json.key("idea_id"); json.int(id)
        json.key("items")
        json.beginArray()
        json.beginObject()
        json.key("from"); json.null()
        json.key("to"); json.string("submitted")
        json.key("note"); json.null()
        json.key("by"); json.null()
        json.key("at"); json.timestamp(created)
        json.endObject()
        _ = try db.query("SELECT from_status, to_status, note, staff_name, created_at FROM idea_status_history WHERE idea_id = ? ORDER BY id",
                         [id]) { row in
            json.beginObject()
            json.key("from"); json.optionalString(row.optionalString(0))
            json.key("to"); json.string(row.string(1))
            json.key("note"); json.optionalString(row.optionalString(2))
            json.key("by"); json.optionalString(row.optionalString(3))
            json.key("at"); json.timestamp(row.int64(4))
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return json.bytes
    }

    static func hasVotes(_ db: SQLConnection, id: Int64) throws -> Bool {
        try db.scalarInt("SELECT 1 FROM votes WHERE idea_id = ? LIMIT 1", [id]) != nil
    }

    /// Moves `source`'s votes and comments to `target` (a person who voted for both counts once),
    /// marks `source` a duplicate pointing at `target`, and writes its history entry.
    static func merge(_ db: SQLConnection, source: State, sourceID: Int64, into target: State, targetID: Int64,
                      staff: StaffMember, at now: Int64) throws {
        try db.run("""
            INSERT INTO votes (idea_id, user_id, vote_day, created_at, round_id)
            SELECT ?, user_id, CASE WHEN ? = 1 THEN 0 ELSE vote_day END, created_at, ?
            FROM votes WHERE idea_id = ? ORDER BY id
            ON CONFLICT DO NOTHING
            """, [targetID, target.roundID == nil, target.roundID, sourceID])
        let moved = db.changes
        try VoteLedger.recount(db, ideaID: targetID)
        if let round = target.roundID, moved > 0 {
            try db.run("UPDATE rounds SET vote_count = vote_count + ? WHERE id = ?", [moved, round])
        }
        try VoteLedger.deleteAll(db, ideaID: sourceID)
        try db.run("UPDATE comments SET idea_id = ? WHERE idea_id = ?", [targetID, sourceID])
        try db.run("""
            UPDATE ideas SET comment_count = (SELECT COUNT(*) FROM comments c WHERE c.idea_id = ideas.id AND c.hidden = 0)
            WHERE id IN (?, ?)
            """, [sourceID, targetID])
        try db.run("UPDATE ideas SET status = 'duplicate', merged_into = ? WHERE id = ?", [targetID, sourceID])
        try db.run("""
            INSERT INTO idea_status_history (idea_id, from_status, to_status, note, staff_id, staff_name, created_at)
            VALUES (?, ?, 'duplicate', ?, ?, ?, ?)
            """, [sourceID, source.status, "merged into idea \(targetID)", staff.id, staff.name, now])
    }
}
