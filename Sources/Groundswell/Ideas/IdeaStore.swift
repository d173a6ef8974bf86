import JSON
import Rules
import SQLiteStore
import Storage

/// Every statement that lists, ranks or adds ideas. Handlers describe what they want
/// (`Filter`, `Order`, a `Position` after the last item served); the SQL is built here.
enum IdeaStore {
    /// Which visible ideas a listing shows.
    struct Filter {
        var status: String?
        var category: String?
        /// A search the idea must match (listings ordered by new/top/trending).
        var match: SearchQuery?
        /// The ideas `match` matches, when already known (`SearchCache`); the ranking in
        /// memory walks its order through them.
        var matchingIDs: Set<Int64>?

        /// Identifies the filter in the search cache (the match expression is its own key part).
        var cacheKey: String { "status=\(status ?? "")&category=\(category ?? "")" }

        fileprivate func conditions(_ engine: SQLEngine, includeMatch: Bool) -> (sql: [String], values: [SQLiteBindable]) {
            var sql: [String] = []
            var values: [SQLiteBindable] = []
            if let status { sql.append("i.status = ?"); values.append(status) }
            if let category { sql.append("i.category = ?"); values.append(category) }
            if includeMatch, let match {
                switch engine {
                case .sqlite:
                    sql.append("i.id IN (SELECT rowid FROM ideas_fts WHERE ideas_fts MATCH ?)")
                    values.append(match.expression)
                case .postgres:
                    sql.append("i.id IN (SELECT idea_id FROM ideas_search WHERE document @@ CAST(? AS tsquery))")
                    values.append(match.tsquery ?? "")
                }
            }
            return (sql, values)
        }
    }

    enum Order { case new, top, trending }

    /// Where the previous page ended (keyset paging).
    enum Position {
        case new(id: Int64)
        case top(votes: Int64, id: Int64)
        case trending(trend: Double, id: Int64)
    }

    /// A page of visible ideas in `order` after `position`, with the cursor of the next page.
    /// With a `ranking` (SQLite), `top` and `trending` pages are found in it and only their
    /// ideas are read; otherwise the database orders them (PostgreSQL's indexes).
    static func page(_ db: SQLConnection, ranking: IdeaRanking?, filter: Filter, order: Order, after position: Position?, limit: Int,
                     extra: IdeaJSON.Extra?, cache: IdeaCache? = nil, readAt generation: UInt64? = nil) throws -> [UInt8] {
        if let ranking, let ranked = ranked(order),
           let page = try rankedPage(db, ranking: ranking, order: ranked, filter: filter, after: position, limit: limit, extra: extra,
                                     cache: cache, readAt: generation) {
            return page
        }
        var (conditions, values) = filter.conditions(db.engine, includeMatch: true)
        conditions.insert("i.hidden = 0", at: 0)
        switch position {
        case .new(let id)?:
            conditions.append("i.id < ?")
            values.append(id)
        case .top(let votes, let id)?:
            conditions.append("(i.vote_count < ? OR (i.vote_count = ? AND i.id < ?))")
            values += [votes, votes, id]
        case .trending(let trend, let id)?:
            conditions.append("(i.trend < ? OR (i.trend = ? AND i.id < ?))")
            values += [trend, trend, id]
        case nil:
            break
        }
        let orderSQL: String
        switch order {
        case .new: orderSQL = "i.id DESC"
        case .top: orderSQL = "i.vote_count DESC, i.id DESC"
        case .trending: orderSQL = "i.trend DESC, i.id DESC"
        }
        let sql = """
            SELECT \(IdeaJSON.columns), i.trend \(IdeaJSON.from)
            WHERE \(conditions.joined(separator: " AND ")) ORDER BY \(orderSQL) LIMIT ?
            """
        return try PageWriter.write(db, sql: sql, values: values, limit: limit, capacity: 512 * limit, cursor: { row in
            switch order {
            case .new: return Cursor(kind: "new", values: [String(row.int64(IdeaJSON.idColumn))])
            case .top: return Cursor(kind: "top", values: [String(row.int64(IdeaJSON.votesColumn)), String(row.int64(IdeaJSON.idColumn))])
            case .trending:
                // `i.trend` is selected right after `IdeaJSON.columns`.
                return Cursor(kind: "trending", values: [Cursor.encodeDouble(row.double(IdeaJSON.nextColumn)), String(row.int64(IdeaJSON.idColumn))])
            }
        }, item: { IdeaJSON.write($0, into: &$1, extra: extra) })
    }

    private static func ranked(_ order: Order) -> Leaderboard.Order? {
        switch order {
        case .new: nil
        case .top: .top
        case .trending: .trending
        }
    }

    /// Nil when the filter is too selective for the order in memory: the database's status and
    /// category indexes find the few matches and sort them.
    private static func rankedPage(_ db: SQLConnection, ranking: IdeaRanking, order: Leaderboard.Order, filter: Filter,
                                   after position: Position?, limit: Int,
                                   extra: IdeaJSON.Extra?, cache: IdeaCache?, readAt generation: UInt64?) throws -> [UInt8]? {
        var board = Leaderboard.Filter(status: filter.status, category: filter.category)
        if let match = filter.match { board.ids = try filter.matchingIDs ?? matchingIDs(db, match) }
        let start: Leaderboard.Position?
        switch position {
        case .top(let votes, let id)?: start = .top(votes: votes, id: id)
        case .trending(let trend, let id)?: start = .trending(trend: trend, id: id)
        case .new?, nil: start = nil
        }
        guard let found = ranking.page(order, after: start, filter: board, limit: limit + 1) else { return nil }
        let served = found.prefix(limit)
        var json = JSONWriter(capacity: 512 * max(1, served.count))
        json.beginObject()
        json.key("items")
        json.beginArray()
        try IdeaJSON.fetchMany(db, ids: served.map(\.id), into: &json, extra: extra, cache: cache, readAt: generation)
        json.endArray()
        json.key("next_cursor")
        var next: Cursor?
        if found.count > limit, let last = served.last {
            switch last.position {
            case .top(let votes, let id): next = Cursor(kind: "top", values: [String(votes), String(id)])
            case .trending(let trend, let id): next = Cursor(kind: "trending", values: [Cursor.encodeDouble(trend), String(id)])
            }
        }
        json.optionalString(next?.encoded)
        json.endObject()
        return json.bytes
    }

    /// Every visible idea `query` matches (SQLite's index holds visible ideas only).
    static func matchingIDs(_ db: SQLConnection, _ query: SearchQuery) throws -> Set<Int64> {
        var ids = Set<Int64>()
        _ = try db.query("SELECT rowid FROM ideas_fts WHERE ideas_fts MATCH ?", [query.expression]) { ids.insert($0.int64(0)) }
        return ids
    }

    /// The highest idea id now: a relevance ranking covers the ideas up to it.
    static func snapshot(_ db: SQLConnection) throws -> Int64 {
        try db.scalarInt("SELECT COALESCE(MAX(id), 0) FROM ideas") ?? 0
    }

    /// Ids of visible ideas matching `query` (up to `snapshot`), by BM25 with titles ×10 (on
    /// PostgreSQL `ts_rank`, weights alike: `PostgresSearch`). Plain searches stay inside the
    /// index, which holds only visible ideas.
    /// `ranking`: where document lengths come from (see `SearchRanking`).
    static func rank(_ db: SQLConnection, query: SearchQuery, snapshot: Int64, filter: Filter, limit: Int, offset: Int,
                     ranking: SearchRanking = .none) throws -> [Int64] {
        let (conditions, values) = filter.conditions(db.engine, includeMatch: false)
        if db.engine == .postgres {
            guard let tsquery = query.tsquery else { return [] }
            let join = conditions.isEmpty ? "" : " JOIN ideas i ON i.id = s.idea_id"
            let extra = conditions.isEmpty ? "" : " AND " + conditions.joined(separator: " AND ")
            return try db.query("""
                SELECT s.idea_id FROM ideas_search s\(join)
                WHERE s.document @@ CAST(? AS tsquery) AND s.idea_id <= ?\(extra)
                ORDER BY ts_rank(\(PostgresSearch.weights), s.document, CAST(? AS tsquery)) DESC, s.idea_id LIMIT ? OFFSET ?
                """, [tsquery, snapshot] + values + [tsquery, limit, offset]) { $0.int64(0) }
        }
        let expression = query.expression
        let sql = conditions.isEmpty
            ? "SELECT f.rowid FROM ideas_fts f WHERE ideas_fts MATCH ? AND f.rowid <= ? ORDER BY \(bm25), f.rowid LIMIT ? OFFSET ?"
            : """
              SELECT f.rowid FROM ideas_fts f JOIN ideas i ON i.id = f.rowid
              WHERE ideas_fts MATCH ? AND f.rowid <= ? AND \(conditions.joined(separator: " AND "))
              ORDER BY \(bm25), f.rowid LIMIT ? OFFSET ?
              """
        return try ranking.run { validAt in
            try db.query(sql, [expression, snapshot] + values + [validAt, limit, offset]) { $0.int64(0) }
        }
    }

    /// BM25 with titles ×10, exactly FTS5's `bm25(ideas_fts, 10.0, 1.0)`; its first parameter
    /// says whether the lengths kept in memory may be used (`SearchRanking.validity`).
    static let bm25 = "\(SearchRanking.function)(ideas_fts, ?, 10.0, 1.0)"

    /// Adds a submitted idea; returns its id.
    static func insert(_ db: SQLConnection, authorID: Int64, title: String, description: String, category: String, at now: Int64,
                       roundID: Int64?, tier: String?, requestedAmount: Int64?, entryState: String?) throws -> Int64 {
        try db.run("""
            INSERT INTO ideas (author_id, title, description, category, status, created_at, round_id, tier, requested_amount, entry_state)
            VALUES (?, ?, ?, ?, 'submitted', ?, ?, ?, ?, ?)
            """, [authorID, title, description, category, now, roundID, tier, requestedAmount, entryState])
        return db.lastInsertRowID
    }

    /// An idea as lists on the web pages show it.
    struct Summary: Sendable {
        let id: Int64
        let title: String
        let category: String
        let status: String
        let votes: Int64
        let comments: Int64
        /// The first picture's list rendition, "<file> <width> <height>", if it has one.
        let cover: String?
    }

    /// The first `limit` visible ideas (not merged away) in `order`, for the home page.
    static func summaries(_ db: SQLConnection, ranking: IdeaRanking?, order: Order, limit: Int) throws -> [Summary] {
        try summaryList(db, ranking: ranking, order: order, limit: limit).ideas
    }

    /// `summaries`, with the position of the list's last idea in the order in memory when that
    /// list was full: an idea that stays after it cannot enter the list (`ListingChanges.Shape`).
    static func summaryList(_ db: SQLConnection, ranking: IdeaRanking?, order: Order,
                            limit: Int) throws -> (ideas: [Summary], last: Leaderboard.Position?) {
        if let ranking, let ranked = ranked(order),
           let found = ranking.page(ranked, after: nil, filter: Leaderboard.Filter(excludeMerged: true), limit: limit) {
            let ids = found.map(\.id)
            guard !ids.isEmpty else { return ([], nil) }
            let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
            var byID: [Int64: Summary] = [:]
            _ = try db.query("SELECT \(summaryColumns) FROM ideas WHERE id IN (\(marks)) AND hidden = 0 AND merged_into IS NULL",
                             ids) { byID[$0.int64(0)] = summary($0) }
            return (ids.compactMap { byID[$0] }, found.count == limit ? found.last?.position : nil)
        }
        let orderBy: String
        switch order {
        case .new: orderBy = "id DESC"
        case .top: orderBy = "vote_count DESC, id DESC"
        case .trending: orderBy = "trend DESC, id DESC"
        }
        return (try db.query("""
            SELECT \(summaryColumns) FROM ideas WHERE hidden = 0 AND merged_into IS NULL ORDER BY \(orderBy) LIMIT ?
            """, [limit], summary), nil)
    }

    private static let summaryColumns = "id, title, category, status, vote_count, comment_count, cover"

    private static func summary(_ row: SQLRow) -> Summary {
        Summary(id: row.int64(0), title: row.string(1), category: row.string(2), status: row.string(3),
                votes: row.int64(4), comments: row.int64(5), cover: row.isNull(6) ? nil : row.string(6))
    }

    /// A launched idea with the company's note from its launch, newest launch first ("Ideas in action").
    struct Launched: Sendable {
        let summary: Summary
        let note: String?
        let launchedAt: Int64
    }

    static func launched(_ db: SQLConnection, limit: Int) throws -> [Launched] {
        try db.query("""
            SELECT i.id, i.title, i.category, i.status, i.vote_count, i.comment_count, h.note, h.created_at, i.cover
            FROM ideas i JOIN idea_status_history h ON h.id = (
                SELECT MAX(id) FROM idea_status_history WHERE idea_id = i.id AND to_status = 'launched')
            WHERE i.status = 'launched' AND i.hidden = 0 AND i.merged_into IS NULL
            ORDER BY h.created_at DESC, i.id DESC LIMIT ?
            """, [limit]) {
            Launched(summary: Summary(id: $0.int64(0), title: $0.string(1), category: $0.string(2), status: $0.string(3),
                                      votes: $0.int64(4), comments: $0.int64(5), cover: $0.isNull(8) ? nil : $0.string(8)),
                     note: $0.isNull(6) ? nil : $0.string(6), launchedAt: $0.int64(7))
        }
    }

    /// Titles of the visible ideas among `ids` (a customer's page lists what they voted for).
    static func titles(_ db: SQLConnection, ids: [Int64]) throws -> [Int64: String] {
        guard !ids.isEmpty else { return [:] }
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
        var titles: [Int64: String] = [:]
        _ = try db.query("SELECT id, title FROM ideas WHERE id IN (\(marks)) AND hidden = 0", ids) { titles[$0.int64(0)] = $0.string(1) }
        return titles
    }
}
