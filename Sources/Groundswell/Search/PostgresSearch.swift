import PostgresStore
import SQLiteStore
import Storage

/// Search on PostgreSQL (issue 19) with the same tokens as SQLite's FTS5 index: `SearchTokenizer`
/// cuts title and description (words folded, CJK runs into bigrams with their syllables at the
/// same position), the tokens become a `tsvector` written out by us (no PostgreSQL dictionary or
/// parser touches them), the title's weighted A and the description's D in one `document`, and a
/// query is `SearchQuery`'s structure as a `tsquery` (phrases with `<->`). Ranked by `ts_rank`
/// with the title ten times the description, as BM25 weights the columns in SQLite.
enum PostgresSearch {
    /// A lexeme quoted for `tsvector`/`tsquery` text: in single quotes, quote and backslash doubled.
    /// PostgreSQL refuses lexemes over 2,046 bytes; longer tokens (a 5,000-letter "word") are cut
    /// at a character boundary, in documents and queries alike, so they still find each other.
    static func lexeme(_ token: String) -> String {
        var token = token
        if token.utf8.count > maxLexemeBytes {
            var cut = token.utf8.index(token.utf8.startIndex, offsetBy: maxLexemeBytes)
            while !token.unicodeScalars.indices.contains(cut) || cut > token.endIndex { cut = token.utf8.index(before: cut) }
            token = String(token[..<cut])
        }
        return "'" + token.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "''") + "'"
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

    static let maxLexemeBytes = 2_000

    /// `ts_rank`'s weights for D, C, B, A: the title (A) counts ten times the description (D).
    static let weights = "'{0.1, 0.1, 0.1, 1.0}'"

    /// Brings `ideas_search` up to date with the ideas whose text or visibility changed in this
    /// transaction (queued by the `ideas_search_enqueue` trigger): visible ones (re)indexed,
    /// hidden or deleted ones taken out. The writer runs it before every commit.
    static func indexQueued(_ db: SQLConnection) throws {
        // Only these statements fire the trigger: skip the look at the queue after any other
        // transaction (a vote updates `ideas`, but not its text).
        let mayHaveQueued = db.changingStatements.contains { table, sql in
            guard table == "ideas" else { return false }
            return !sql.hasPrefix("UPDATE") || sql.contains("title") || sql.contains("description") || sql.contains("hidden")
        }
        guard mayHaveQueued else { return }
        let queued = try db.query("""
            SELECT q.idea_id, i.title, i.description, i.hidden FROM ideas_search_queue q LEFT JOIN ideas i ON i.id = q.idea_id
            """) { row in (id: row.int64(0), text: row.isNull(1) || row.bool(3) ? nil : (row.string(1), row.string(2))) }
        guard !queued.isEmpty else { return }
        for idea in queued {
            if let (title, description) = idea.text {
                try db.run("""
                    INSERT INTO ideas_search (idea_id, document) VALUES (?, CAST(? AS tsvector))
                    ON CONFLICT (idea_id) DO UPDATE SET document = excluded.document
                    """, [idea.id, document(title: title, description: description)])
            } else {
                try db.run("DELETE FROM ideas_search WHERE idea_id = ?", [idea.id])
            }
        }
        try db.run("DELETE FROM ideas_search_queue")
    }

    /// Ids of indexed ideas matching `query`, best first (ties by id).
    static func rank(_ db: PostgresConnection, _ query: SearchQuery, limit: Int, offset: Int = 0) throws -> [Int64] {
        guard let tsquery = query.tsquery else { return [] }
        return try db.query("""
            SELECT idea_id FROM ideas_search WHERE document @@ $1::tsquery
            ORDER BY ts_rank(\(weights), document, $1::tsquery) DESC, idea_id LIMIT $2 OFFSET $3
            """, [tsquery, limit, offset]) { $0.int64(0) }
    }
}
