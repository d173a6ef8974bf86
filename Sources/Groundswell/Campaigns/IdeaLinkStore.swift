import JSON
import Rules
import SQLiteStore
import Storage

/// Videos and links attached to ideas: every statement about them.
enum IdeaLinkStore {
    static let maxPerIdea: Int64 = 5

    static func add(_ db: SQLConnection, ideaID: Int64, link: AttachedLink, now: Int64) throws -> Int64? {
        try db.run("INSERT INTO idea_links (idea_id, kind, ref, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                   [ideaID, link.kind.rawValue, link.ref, now])
        return db.changes > 0 ? db.lastInsertRowID : nil
    }

    static func count(_ db: SQLConnection, ideaID: Int64) throws -> Int64 {
        try db.scalarInt("SELECT COUNT(*) FROM idea_links WHERE idea_id = ?", [ideaID]) ?? 0
    }

    static func remove(_ db: SQLConnection, ideaID: Int64, id: Int64) throws -> Bool {
        try db.run("DELETE FROM idea_links WHERE id = ? AND idea_id = ?", [id, ideaID])
        return db.changes > 0
    }

    /// The idea's attachments, oldest first, as values.
    static func all(_ db: SQLConnection, ideaID: Int64) throws -> [(id: Int64, link: AttachedLink)] {
        try db.query("SELECT id, kind, ref FROM idea_links WHERE idea_id = ? ORDER BY id", [ideaID]) { row in
            (id: row.int64(0), link: AttachedLink(kind: AttachedLink.Kind(rawValue: row.string(1)) ?? .link, ref: row.string(2)))
        }
    }

    static func writeJSON(_ items: [(id: Int64, link: AttachedLink)], into json: inout JSONWriter) {
        json.beginArray()
        for item in items {
            json.beginObject()
            json.key("id"); json.int(item.id)
            json.key("kind"); json.string(item.link.kind.rawValue)
            json.key("url"); json.string(item.link.url)
            json.key("embed_url"); json.optionalString(item.link.embedURL)
            json.endObject()
        }
        json.endArray()
    }
}
