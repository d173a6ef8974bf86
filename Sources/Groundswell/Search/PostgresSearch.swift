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

    /// An idea's `document` as `tsvector` text: the title's tokens weighted A at positions from 1,
    /// the description's after them (as `setweight(title, 'A') || description` would place them),
    /// PostgreSQL keeping positions up to 16,383.
    static func document(title: String, description: String) -> String {
        let tokenizer = SearchTokenizer()
        let head = tokenizer.tokens(title), body = tokenizer.tokens(description)
        let offset = (head.last?.position ?? -1) + 1
        let entries = head.map { lexeme($0.text) + ":" + String(min(16_383, $0.position + 1)) + "A" }
            + body.map { lexeme($0.text) + ":" + String(min(16_383, offset + $0.position + 1)) }
        return entries.joined(separator: " ")
    }

    /// Indexes (or re-indexes) an idea's text.
    static func index(_ db: PostgresConnection, ideaID: Int64, title: String, description: String) throws {
        try db.run("""
            INSERT INTO ideas_search (idea_id, document) VALUES ($1, $2::tsvector)
            ON CONFLICT (idea_id) DO UPDATE SET document = excluded.document
            """, [ideaID, document(title: title, description: description)])
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
