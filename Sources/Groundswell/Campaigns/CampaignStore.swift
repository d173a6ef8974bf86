import JSON
import SQLiteStore
import Storage

/// Campaign links and what they brought: every statement about them.
enum CampaignStore {
    /// The idea's link with `label` ("" is the plain share link, made when first visited).
    static func find(_ db: SQLConnection, ideaID: Int64, label: String) throws -> Int64? {
        try db.scalarInt("SELECT id FROM campaigns WHERE idea_id = ? AND label = ?", [ideaID, label])
    }

    static func create(_ db: SQLConnection, ideaID: Int64, label: String, now: Int64) throws -> Int64? {
        try db.run("INSERT INTO campaigns (idea_id, label, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", [ideaID, label, now])
        return db.changes > 0 ? db.lastInsertRowID : nil
    }

    static func count(_ db: SQLConnection, ideaID: Int64) throws -> Int64 {
        try db.scalarInt("SELECT COUNT(*) FROM campaigns WHERE idea_id = ? AND label <> ''", [ideaID]) ?? 0
    }

    /// One first visit through a link (the plain share link is made on its first visit).
    static func visit(_ db: SQLConnection, ideaID: Int64, label: String, now: Int64) throws -> Int64 {
        let id = try find(db, ideaID: ideaID, label: label) ?? create(db, ideaID: ideaID, label: label, now: now) ?? 0
        try db.run("UPDATE campaigns SET visits = visits + 1 WHERE id = ?", [id])
        return id
    }

    /// Attributes a vote to the link the voter's browser arrived through (if it is this idea's).
    static func attribute(_ db: SQLConnection, campaignID: Int64, ideaID: Int64, voteID: Int64, userID: Int64, now: Int64) throws {
        try db.run("""
            INSERT INTO campaign_votes (vote_id, campaign_id, idea_id, user_id, created_at)
            SELECT ?, id, idea_id, ?, ? FROM campaigns WHERE id = ? AND idea_id = ?
            ON CONFLICT DO NOTHING
            """, [voteID, userID, now, campaignID, ideaID])
    }

    /// A vote taken back no longer counts for the link that brought it.
    static func forgetRetracted(_ db: SQLConnection, ideaID: Int64, userID: Int64) throws {
        try db.run("""
            DELETE FROM campaign_votes WHERE idea_id = ?1 AND user_id = ?2
              AND vote_id NOT IN (SELECT id FROM votes WHERE idea_id = ?1 AND user_id = ?2)
            """, [ideaID, userID])
    }

    /// `{"items":[{"id","label","link","visits","votes","created_at"}]}`, the plain link first.
    static func listJSON(_ db: SQLConnection, ideaID: Int64, publicURL: String) throws -> [UInt8] {
        var json = JSONWriter(capacity: 1024)
        json.beginObject()
        json.key("items")
        json.beginArray()
        let base = publicURL + "/i/" + ShortCode.encode(ideaID)
        _ = try db.query("""
            SELECT c.id, c.label, c.visits, (SELECT COUNT(*) FROM campaign_votes v WHERE v.campaign_id = c.id), c.created_at
            FROM campaigns c WHERE c.idea_id = ? ORDER BY c.label <> '', c.id
            """, [ideaID]) { row in
            json.beginObject()
            json.key("id"); json.int(row.int64(0))
            json.key("label"); json.string(row.string(1))
            json.key("link"); json.string(row.string(1).isEmpty ? base : base + "?c=" + row.string(1))
            json.key("visits"); json.int(row.int64(2))
            json.key("votes"); json.int(row.int64(3))
            json.key("created_at"); json.timestamp(row.int64(4))
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return json.bytes
    }

    /// The idea's author (campaigns are the creator's to make and read).
    static func author(_ db: SQLConnection, ideaID: Int64, includeHidden: Bool = false) throws -> Int64? {
        try db.scalarInt("SELECT author_id FROM ideas WHERE id = ? AND (hidden = 0 OR ? = 1)", [ideaID, includeHidden])
    }
}
