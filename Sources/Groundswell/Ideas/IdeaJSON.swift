import JSON
import SQLiteStore
import Storage

/// The one definition of an idea as the API shows it, read straight from a row
/// selected with `IdeaJSON.columns`.
enum IdeaJSON {
    /// Select list matching `write(_:into:)`; use with `from`.
    static let columns = """
        i.id, i.title, i.description, i.category, i.author_id, u.name, i.status, \
        i.vote_count, i.comment_count, i.created_at, i.round_id, i.tier, i.requested_amount, \
        a.id, a.amount, a.rank, a.awarded_at, i.entry_state, i.disqualified_reason, i.merged_into, i.cover
        """
    static let from = "FROM ideas i JOIN users u ON u.id = i.author_id LEFT JOIN awards a ON a.idea_id = i.id AND a.round_id = i.round_id"
    /// Index of the first column after `columns` (for callers that select more).
    static let nextColumn: Int32 = 21
    /// Positions in `columns` that keyset cursors need.
    static let idColumn: Int32 = 0
    static let authorColumn: Int32 = 4
    static let votesColumn: Int32 = 7

    /// More members of one idea's object, written before it closes: from its row when the idea
    /// was read, or from its id alone when it came from the `IdeaCache` (row nil) — returning
    /// false then, having written nothing, asks for the row instead.
    typealias Extra = (_ id: Int64, _ row: SQLRow?, _ json: inout JSONWriter) -> Bool

    static func write(_ row: SQLRow, into json: inout JSONWriter, extra: Extra? = nil) {
        writeOpen(row, into: &json)
        _ = extra?(row.int64(idColumn), row, &json)
        json.endObject()
    }

    /// The object without its closing brace: what `IdeaCache` keeps.
    static func writeOpen(_ row: SQLRow, into json: inout JSONWriter) {
        json.beginObject()
        json.key("id"); json.int(row.int64(0))
        json.key("title"); row.withText(1) { json.string(utf8: $0) }
        json.key("description"); row.withText(2) { json.string(utf8: $0) }
        json.key("category"); row.withText(3) { json.string(utf8: $0) }
        json.key("author")
        json.beginObject()
        json.key("id"); json.int(row.int64(authorColumn))
        json.key("name"); row.withText(5) { json.string(utf8: $0) }
        json.endObject()
        json.key("status"); row.withText(6) { json.string(utf8: $0) }
        json.key("votes"); json.int(row.int64(7))
        json.key("comments"); json.int(row.int64(8))
        json.key("created_at"); json.timestamp(row.int64(9))
        json.key("round_id"); if row.isNull(10) { json.null() } else { json.int(row.int64(10)) }
        json.key("tier"); if row.isNull(11) { json.null() } else { row.withText(11) { json.string(utf8: $0) } }
        if !row.isNull(12) { json.key("requested_amount"); json.int(row.int64(12)) }
        if !row.isNull(17) {
            json.key("entry"); row.withText(17) { json.string(utf8: $0) }
        }
        if !row.isNull(18) { json.key("disqualified"); json.bool(true) }
        // A merged duplicate points at the idea its votes and comments moved to.
        if !row.isNull(19) { json.key("merged_into"); json.int(row.int64(19)) }
        json.key("award")
        if row.isNull(13) {
            json.null()
        } else {
            json.beginObject()
            json.key("id"); json.int(row.int64(13))
            json.key("amount"); json.int(row.int64(14))
            json.key("rank"); json.int(row.int64(15))
            json.key("awarded_at"); json.timestamp(row.int64(16))
            json.endObject()
        }
        // The first picture's list rendition ("<file> <width> <height>", kept by MediaStore).
        json.key("image")
        if row.isNull(20) {
            json.null()
        } else {
            let parts = row.string(20).split(separator: " ")
            json.beginObject()
            json.key("url"); json.string("/media/" + (parts.first.map(String.init) ?? ""))
            json.key("width"); json.int(parts.count > 1 ? Int64(parts[1]) ?? 0 : 0)
            json.key("height"); json.int(parts.count > 2 ? Int64(parts[2]) ?? 0 : 0)
            json.endObject()
        }
    }

    private static let oneSQL = "SELECT \(columns) \(from) WHERE i.id = ?"
    private static let oneVisibleSQL = "SELECT \(columns) \(from) WHERE i.id = ? AND i.hidden = 0"

    /// The idea `id` as JSON bytes (visible ones only, unless `includeHidden`), or nil.
    static func fetch(_ db: SQLConnection, id: Int64, includeHidden: Bool = false, extra: Extra? = nil) throws -> [UInt8]? {
        try db.queryOne(includeHidden ? oneSQL : oneVisibleSQL, [id]) { row in
            var json = JSONWriter(capacity: 512)
            write(row, into: &json, extra: extra)
            return json.bytes
        }
    }

    /// A visible idea as JSON bytes, kept in `cache` (at `generation`, the commit count read
    /// before this snapshot began) on the way; nil when there is no visible idea `id`.
    static func fetchVisible(_ db: SQLConnection, id: Int64, cache: IdeaCache, readAt generation: UInt64) throws -> [UInt8]? {
        try db.queryOne(oneVisibleSQL, [id]) { row in
            var json = JSONWriter(capacity: 512)
            writeOpen(row, into: &json)
            cache.put(id, json.bytes, authorID: row.int64(authorColumn), readAt: generation)
            json.endObject()
            return json.bytes
        }
    }

    /// Several visible ideas, encoded in the order of `ids` (missing ones skipped): those in
    /// `cache` from there, the rest in one statement — and kept in `cache` when `readAt` (the
    /// commit count read before this snapshot began) is given.
    static func fetchMany(_ db: SQLConnection, ids: [Int64], into json: inout JSONWriter, extra: Extra? = nil,
                          cache: IdeaCache? = nil, readAt generation: UInt64? = nil) throws {
        guard !ids.isEmpty else { return }
        // Whole objects (read, or cached with their extra members), and cached open ones that
        // need only their closing brace (no extra: written straight into `json` below).
        var encoded: [Int64: [UInt8]] = [:]
        var open: [Int64: [UInt8]] = [:]
        var missing: [Int64] = []
        if let cache {
            for id in ids {
                guard let cached = cache.get(id) else { missing.append(id); continue }
                guard let extra else { open[id] = cached; continue }
                var one = JSONWriter(capacity: cached.count + 256)
                one.raw(cached)
                if !extra(id, nil, &one) { missing.append(id); continue }
                one.endObject()
                encoded[id] = one.bytes
            }
        } else {
            missing = ids
        }
        if !missing.isEmpty {
            let marks = Array(repeating: "?", count: missing.count).joined(separator: ",")
            _ = try db.query("SELECT \(columns) \(from) WHERE i.id IN (\(marks)) AND i.hidden = 0", missing) { row in
                let id = row.int64(idColumn)
                var one = JSONWriter(capacity: 512)
                writeOpen(row, into: &one)
                if let cache, let generation { cache.put(id, one.bytes, authorID: row.int64(authorColumn), readAt: generation) }
                _ = extra?(id, row, &one)
                one.endObject()
                encoded[id] = one.bytes
            }
        }
        for id in ids {
            if let idea = encoded[id] {
                json.raw(idea)
            } else if let idea = open[id] {
                json.raw(idea)
                json.endObject()
            }
        }
    }

    /// Whether a visible idea with this id exists.
    static func exists(_ db: SQLConnection, id: Int64) throws -> Bool {
        try db.scalarInt("SELECT 1 FROM ideas WHERE id = ? AND hidden = 0", [id]) != nil
    }

    /// What a vote or comment needs to know of the idea it goes to, read in the writer's
    /// transaction: its round, and the count and trending score a vote builds on.
    struct Participation {
        let roundID: Int64?
        let votes: Int64
        let trend: Double
    }

    /// A visible idea that can take votes and comments: 404 if there is none, 409
    /// `idea_merged` (naming the target) if it was merged into another.
    private static let participationSQL = "SELECT round_id, merged_into, vote_count, trend FROM ideas WHERE id = ? AND hidden = 0"
    private static let participationSQLForUpdate = participationSQL + " FOR UPDATE"

    static func requireOpenForParticipation(_ db: SQLConnection, id: Int64) throws -> Participation {
        // Held until the commit (PostgreSQL): the count and trending score read here are the ones
        // the vote adds to, even with other nodes voting for this idea at the same moment.
        let sql = db.engine == .postgres ? participationSQLForUpdate : participationSQL
        guard let row = try db.queryOne(sql, [id],
                                        { ($0.optionalInt64(0), $0.optionalInt64(1), $0.int64(2), $0.double(3)) }) else {
            throw APIError.notFound("idea")
        }
        if let target = row.1 { throw APIError.merged(id, into: target) }
        return Participation(roundID: row.0, votes: row.2, trend: row.3)
    }

    /// `{"idea_id","votes","comments","status"}` (plus `merged_into`), or nil when not visible.
    static func liveState(_ db: SQLConnection, id: Int64) throws -> [UInt8]? {
        try db.queryOne("SELECT vote_count, comment_count, status, merged_into FROM ideas WHERE id = ? AND hidden = 0", [id]) { row in
            var json = JSONWriter(capacity: 96)
            json.beginObject()
            json.key("idea_id"); json.int(id)
            json.key("votes"); json.int(row.int64(0))
            json.key("comments"); json.int(row.int64(1))
            json.key("status"); json.string(row.string(2))
            if !row.isNull(3) { json.key("merged_into"); json.int(row.int64(3)) }
            json.endObject()
            return json.bytes
        }
    }

}
