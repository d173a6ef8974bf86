import Imaging
import JSON
import SQLiteStore
import Storage

/// One picture on an idea, as stored: the re-encoded file and its rendition, by content name.
struct MediaItem: Sendable {
    var id: Int64 = 0
    let ideaID: Int64
    let userID: Int64
    let format: ImageFormat
    let file: String
    let width: Int
    let height: Int
    let bytes: Int
    let renditionFile: String
    let renditionWidth: Int
    let renditionHeight: Int
    let renditionBytes: Int
    let alt: String
    var hidden = false
    let createdAt: Int64
}

/// Every statement about pictures on ideas.
enum MediaStore {
    static let maxPerIdea: Int64 = 10
    private static let columns = """
        m.id, m.idea_id, m.user_id, m.format, m.sha256, m.width, m.height, m.bytes, m.rendition_sha256, \
        m.rendition_width, m.rendition_height, m.rendition_bytes, m.alt, m.hidden, m.created_at
        """

    private static func item(_ row: SQLRow) -> MediaItem {
        let format = ImageFormat(rawValue: row.string(3)) ?? .jpeg
        return MediaItem(id: row.int64(0), ideaID: row.int64(1), userID: row.int64(2), format: format,
                         file: row.string(4) + "." + format.fileExtension, width: Int(row.int64(5)), height: Int(row.int64(6)),
                         bytes: Int(row.int64(7)), renditionFile: row.string(8) + "." + format.fileExtension,
                         renditionWidth: Int(row.int64(9)), renditionHeight: Int(row.int64(10)), renditionBytes: Int(row.int64(11)),
                         alt: row.string(12), hidden: row.int64(13) != 0, createdAt: row.int64(14))
    }

    private static func hash(_ file: String) -> String { String(file.prefix { $0 != "." }) }
    /// A row's file extension in SQL, as `ImageFormat.fileExtension` has it.
    private static let extensionSQL = "CASE format WHEN 'jpeg' THEN 'jpg' ELSE format END"

    static func insert(_ db: SQLConnection, _ media: MediaItem) throws -> Int64 {
        try db.run("""
            INSERT INTO media (idea_id, user_id, format, sha256, width, height, bytes, rendition_sha256, rendition_width,
                               rendition_height, rendition_bytes, alt, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [media.ideaID, media.userID, media.format.rawValue, hash(media.file), Int64(media.width), Int64(media.height),
                  Int64(media.bytes), hash(media.renditionFile), Int64(media.renditionWidth), Int64(media.renditionHeight),
                  Int64(media.renditionBytes), media.alt, media.createdAt])
        let id = db.lastInsertRowID
        try refreshCover(db, ideaID: media.ideaID)
        return id
    }

    static func count(_ db: SQLConnection, ideaID: Int64) throws -> Int64 {
        try db.scalarInt("SELECT COUNT(*) FROM media WHERE idea_id = ?", [ideaID]) ?? 0
    }

    /// Bytes the customer's pictures take (originals and renditions), for the quota.
    static func usedBytes(_ db: SQLConnection, userID: Int64) throws -> Int64 {
        try db.scalarInt("SELECT COALESCE(SUM(bytes + rendition_bytes), 0) FROM media WHERE user_id = ?", [userID]) ?? 0
    }

    /// The idea's pictures, oldest first (hidden ones only for staff).
    static func all(_ db: SQLConnection, ideaID: Int64, includeHidden: Bool = false) throws -> [MediaItem] {
        try db.query("SELECT \(columns) FROM media m WHERE m.idea_id = ? AND (m.hidden = 0 OR ? = 1) ORDER BY m.id",
                     [ideaID, includeHidden], item)
    }

    static func find(_ db: SQLConnection, id: Int64) throws -> MediaItem? {
        try db.queryOne("SELECT \(columns) FROM media m WHERE m.id = ?", [id], item)
    }

    /// Whether the picture exists and can be seen (it and its idea are not hidden).
    static func visible(_ db: SQLConnection, id: Int64) throws -> Bool {
        try db.scalarInt("SELECT 1 FROM media m JOIN ideas i ON i.id = m.idea_id WHERE m.id = ? AND m.hidden = 0 AND i.hidden = 0",
                         [id]) != nil
    }

    /// The format of file `name` if some visible picture uses it (as original or rendition):
    /// only such files are served.
    static func servableFormat(_ db: SQLConnection, file name: String) throws -> ImageFormat? {
        guard let (sha, format) = MediaFiles.parse(name) else { return nil }
        let found = try db.scalarInt("""
            SELECT 1 FROM media m JOIN ideas i ON i.id = m.idea_id
            WHERE m.sha256 = ?1 AND m.format = ?2 AND m.hidden = 0 AND i.hidden = 0
            UNION ALL
            SELECT 1 FROM media m JOIN ideas i ON i.id = m.idea_id
            WHERE m.rendition_sha256 = ?1 AND m.format = ?2 AND m.hidden = 0 AND i.hidden = 0
            LIMIT 1
            """, [sha, format.rawValue])
        return found == nil ? nil : format
    }

    /// Whether any row (hidden or not) still uses file `name`.
    static func referenced(_ db: SQLConnection, file name: String) throws -> Bool {
        let sha = hash(name)
        return try db.scalarInt("""
            SELECT 1 FROM media WHERE sha256 = ?1 UNION ALL SELECT 1 FROM media WHERE rendition_sha256 = ?1 LIMIT 1
            """, [sha]) != nil
    }

    /// Deletes rows; returns the files no remaining row uses (to remove after the commit).
    static func delete(_ db: SQLConnection, _ items: [MediaItem]) throws -> [String] {
        var ideas = Set<Int64>()
        for media in items {
            try db.run("DELETE FROM media WHERE id = ?", [media.id])
            ideas.insert(media.ideaID)
        }
        for idea in ideas { try refreshCover(db, ideaID: idea) }
        var orphans: [String] = []
        for file in Set(items.flatMap { [$0.file, $0.renditionFile] }) where try !referenced(db, file: file) {
            orphans.append(file)
        }
        return orphans
    }

    static func byUser(_ db: SQLConnection, userID: Int64) throws -> [MediaItem] {
        try db.query("SELECT \(columns) FROM media m WHERE m.user_id = ? ORDER BY m.id", [userID], item)
    }

    static func setHidden(_ db: SQLConnection, id: Int64, hidden: Bool) throws {
        guard let media = try find(db, id: id) else { return }
        try db.run("UPDATE media SET hidden = ? WHERE id = ?", [hidden, id])
        try refreshCover(db, ideaID: media.ideaID)
    }

    /// Keeps `ideas.cover` (the first visible picture's rendition) in step with the pictures.
    static func refreshCover(_ db: SQLConnection, ideaID: Int64) throws {
        try db.run("""
            UPDATE ideas SET cover = (
                SELECT rendition_sha256 || '.' || \(extensionSQL)
                       || ' ' || rendition_width || ' ' || rendition_height
                FROM media WHERE idea_id = ?1 AND hidden = 0 ORDER BY id LIMIT 1)
            WHERE id = ?1
            """, [ideaID])
    }

    // MARK: JSON

    static func writeJSON(_ media: MediaItem, into json: inout JSONWriter, withHidden: Bool = false) {
        json.beginObject()
        json.key("id"); json.int(media.id)
        json.key("idea_id"); json.int(media.ideaID)
        json.key("url"); json.string("/media/\(media.file)")
        json.key("content_type"); json.string(media.format.mimeType)
        json.key("width"); json.int(Int64(media.width))
        json.key("height"); json.int(Int64(media.height))
        json.key("bytes"); json.int(Int64(media.bytes))
        json.key("alt"); json.string(media.alt)
        json.key("thumbnail")
        json.beginObject()
        json.key("url"); json.string("/media/\(media.renditionFile)")
        json.key("width"); json.int(Int64(media.renditionWidth))
        json.key("height"); json.int(Int64(media.renditionHeight))
        json.endObject()
        if withHidden { json.key("hidden"); json.bool(media.hidden) }
        json.key("created_at"); json.timestamp(media.createdAt)
        json.endObject()
    }

    static func writeJSON(_ items: [MediaItem], into json: inout JSONWriter, withHidden: Bool = false) {
        json.beginArray()
        for media in items { writeJSON(media, into: &json, withHidden: withHidden) }
        json.endArray()
    }
}

extension MediaStore {
    /// Every file any row uses (for backups).
    static func allFiles(_ db: SQLConnection) throws -> [String] {
        try db.query("""
            SELECT sha256 || '.' || \(extensionSQL) FROM media
            UNION SELECT rendition_sha256 || '.' || \(extensionSQL) FROM media
            """) { $0.string(0) }
    }
}
