import SQLiteStore
import Storage

/// Near-duplicates of a draft title, in every language. Candidates are the 50 visible,
/// unmerged ideas that share any token with the draft, by BM25 (titles weigh 10×); each is
/// then scored by *coverage*: the share of the draft's tokens (words, and CJK bigrams) that
/// also occur in the candidate's title or the start of its description. "텀블러 대여" against
/// "매장에서 텀블러를 빌려주세요 / …텀블러를 대여하는 서비스…" covers 텀블, 블러 and 대여: 1.0.
/// Results are ordered by coverage, then BM25.
enum SimilarIdeas {
    /// A new idea's response lists up to three ideas at or above this coverage as `similar`.
    static let suggestionThreshold = 0.6
    static let candidates = 50
    /// How much of a candidate's description is compared (the opening is what duplicates share).
    static let descriptionPrefix = 1000

    struct Match {
        let id: Int64
        let score: Double
    }

    /// `ranking`: where document lengths come from (see `SearchRanking`).
    /// `scanBound`: see `SimilarIdeas.scanBound` (tests lower it).
    static func find(_ db: SQLConnection, title: String, limit: Int, ranking: SearchRanking = .none,
                     scanBound: Int = SimilarIdeas.scanBound) throws -> [Match] {
        guard let query = SearchQuery.any(title) else { return [] }
        let tokenizer = SearchTokenizer()
        let wanted = Set(tokenizer.tokens(title, forQuery: true).map(\.text))
        guard !wanted.isEmpty else { return [] }
        let sql: String, values: (_ validAt: Int64) -> [SQLiteBindable]
        switch db.engine {
        case .sqlite:
            sql = """
                SELECT f.rowid, i.title, substr(i.description, 1, \(descriptionPrefix)) FROM ideas_fts f JOIN ideas i ON i.id = f.rowid
                WHERE ideas_fts MATCH ? AND i.hidden = 0 AND i.merged_into IS NULL AND i.status != 'duplicate'
                ORDER BY \(IdeaStore.bm25), f.rowid LIMIT ?
                """
            values = { [query.expression, $0, candidates] }
        case .postgres:
            guard let tsquery = query.tsquery else { return [] }
            sql = """
                SELECT s.idea_id, i.title, substr(i.description, 1, \(descriptionPrefix)) FROM ideas_search s JOIN ideas i ON i.id = s.idea_id
                WHERE s.document @@ CAST(? AS tsquery) AND i.hidden = 0 AND i.merged_into IS NULL AND i.status != 'duplicate'
                ORDER BY ts_rank(\(PostgresSearch.weights), s.document, CAST(? AS tsquery)) DESC, s.idea_id LIMIT ?
                """
            values = { _ in [tsquery, tsquery, candidates] }
        }
        let bounded = try db.engine == .sqlite && matchesMoreThan(db, query.expression, scanBound)
        let found = try ranking.run { validAt -> [(id: Int64, text: String)] in
            if bounded { return try boundedCandidates(db, query: query, validAt: validAt, scanBound: scanBound) }
            return try db.query(sql, values(validAt)) { row in (id: row.int64(0), text: row.string(1) + "\n" + row.string(2)) }
        }
        var ranked = found.enumerated().map { order, candidate in
            let have = Set(tokenizer.tokens(candidate.text).map(\.text))
            return (match: Match(id: candidate.id, score: Double(wanted.intersection(have).count) / Double(wanted.count)), order: order)
        }
        ranked.sort { $0.match.score != $1.match.score ? $0.match.score > $1.match.score : $0.order < $1.order }
        return ranked.prefix(limit).map(\.match)
    }

    /// Matches ranked at most per query when a draft's words are common: BM25 scores every match,
    /// and with 1,000,000 ideas a title of three common words matched most of them (0.26 s a
    /// request, 4 a second at 8 connections; docs/performance.md, session 30).
    static let scanBound = 5_000

    /// Whether `expression` matches more than `bound` documents (reads at most `bound` + 1 rowids).
    static func matchesMoreThan(_ db: SQLConnection, _ expression: String, _ bound: Int) throws -> Bool {
        let count = try db.scalarInt("SELECT COUNT(*) FROM (SELECT rowid FROM ideas_fts WHERE ideas_fts MATCH ? LIMIT ?)",
                                     [expression, bound + 1]) ?? 0
        return count > bound
    }

    /// Candidates when more than `scanBound` ideas match: first those with every token of the
    /// draft (an old duplicate has them all), then those with any, each by BM25 among the newest
    /// `scanBound` matches.
    static func boundedCandidates(_ db: SQLConnection, query: SearchQuery, validAt: Int64, scanBound: Int) throws -> [(id: Int64, text: String)] {
        let every = query.terms.map { SearchQuery.quote($0[0]) }.joined(separator: " AND ")
        var found = try newestRanked(db, expression: every, validAt: validAt, limit: candidates, scanBound: scanBound)
        if found.count < candidates {
            let seen = Set(found.map(\.id))
            let more = try newestRanked(db, expression: query.expression, validAt: validAt, limit: candidates + found.count, scanBound: scanBound)
            found += more.filter { !seen.contains($0.id) }.prefix(candidates - found.count)
        }
        return found
    }

    /// Up to `limit` visible, unmerged ideas among the newest `scanBound` matching `expression`,
    /// by BM25 (twice `limit` are ranked before the filter, which rarely removes any).
    private static func newestRanked(_ db: SQLConnection, expression: String, validAt: Int64, limit: Int, scanBound: Int) throws -> [(id: Int64, text: String)] {
        try db.query("""
            SELECT c.rowid, i.title, substr(i.description, 1, \(descriptionPrefix)) FROM (
                SELECT rowid, score FROM (
                    SELECT rowid, \(IdeaStore.bm25) AS score FROM ideas_fts WHERE ideas_fts MATCH ? ORDER BY rowid DESC LIMIT ?
                ) ORDER BY score, rowid LIMIT ?
            ) c JOIN ideas i ON i.id = c.rowid
            WHERE i.hidden = 0 AND i.merged_into IS NULL AND i.status != 'duplicate'
            ORDER BY c.score, c.rowid LIMIT ?
            """, [validAt, expression, scanBound, 2 * limit, limit]) { row in (id: row.int64(0), text: row.string(1) + "\n" + row.string(2)) }
    }
}
