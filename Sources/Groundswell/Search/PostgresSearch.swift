import PostgresStore

/// Search on PostgreSQL (issue 19) with the same tokens as SQLite's FTS5 index: `SearchTokenizer`
/// cuts title and description (words folded, CJK runs into bigrams with their syllables at the
/// same position), the tokens become a `tsvector` written out by us (no PostgreSQL dictionary or
/// parser touches them), the title's weighted A and the description's D in one `document`, and a
/// query is `SearchQuery`'s structure as a `tsquery` (phrases with `<->`). Ranked by `ts_rank`
/// with the title ten times the description, as BM25 weights the columns in SQLite.
enum PostgresSearch {
    /// A lexeme quoted for `tsvector`/`tsquery` text: in single quotes, quote and backslash doubled.
    static func lexeme(_ token: String) -> String {
        "'" + token.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "''") + "'"
    }

    /// `text`'s tokens as `tsvector` text: each lexeme with its position (from 1; PostgreSQL keeps
    /// positions up to 16,383).
    static func vector(_ text: String) -> String {
        SearchTokenizer().tokens(text).map { lexeme($0.text) + ":" + String(min(16_383, $0.position + 1)) }.joined(separator: " ")
    }

    /// Indexes (or re-indexes) an idea's text.
    static func index(_ db: PostgresConnection, ideaID: Int64, title: String, description: String) throws {
        try db.run("""
            INSERT INTO ideas_search (idea_id, document) VALUES ($1, setweight($2::tsvector, 'A') || $3::tsvector)
            ON CONFLICT (idea_id) DO UPDATE SET document = excluded.document
            """, [ideaID, vector(title), vector(description)])
    }

    /// Takes an idea out of the index (hidden).
    static func remove(_ db: PostgresConnection, ideaID: Int64) throws {
        try db.run("DELETE FROM ideas_search WHERE idea_id = $1", [ideaID])
    }

    /// Ids of indexed ideas matching `query`, best first (ties by id).
    static func rank(_ db: PostgresConnection, _ query: SearchQuery, limit: Int, offset: Int = 0) throws -> [Int64] {
        guard let tsquery = query.tsquery else { return [] }
        return try db.query("""
            SELECT idea_id FROM ideas_search WHERE document @@ $1::tsquery
            ORDER BY ts_rank('{0.1, 0.1, 0.1, 1.0}', document, $1::tsquery) DESC, idea_id LIMIT $2 OFFSET $3
            """, [tsquery, limit, offset]) { $0.int64(0) }
    }
}
