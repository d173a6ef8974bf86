import Foundation
import PostgresStore
import TestSupport
import XCTest
@testable import Groundswell

/// Issue 19: search on PostgreSQL with our tokens passes the same relevance set as SQLite's FTS5
/// (recall@10 ≥ 0.95, precision@5 ≥ 0.8, `SearchRelevanceTests`), and no query text can be
/// read as `tsquery` syntax.
final class PostgresSearchTests: XCTestCase {
    func testTheRelevanceSetPassesOnPostgreSQL() throws {
        let db = try PostgresConnection(url: TestPostgres.shared().makeDatabase())
        try PostgresMigrator.migrate(db, EmbeddedPostgresMigrations.all, now: 1)
        try db.run("INSERT INTO users (name, email, email_norm, token_hash, created_at) VALUES ('R', 'r@x', 'r@x', '\\x01', 1)")
        var keys: [Int64: String] = [:]
        for idea in SearchRelevanceSet.ideas {
            let id = try db.scalarInt("""
                INSERT INTO ideas (author_id, title, description, category, created_at) VALUES (1, $1, $2, 'set', 1) RETURNING id
                """, [idea.title, idea.description])!
            try PostgresSearch.index(db, ideaID: id, title: idea.title, description: idea.description)
            keys[id] = idea.key
        }
        try SearchRelevanceSet.assertRelevant(engine: "PostgreSQL") { query in
            let parsed = try XCTUnwrap(SearchQuery.all(query.text), query.text)
            return try PostgresSearch.rank(db, parsed, limit: 10).compactMap { keys[$0] }
        }

        // Text that would be tsquery syntax is only ever lexemes.
        for hostile in ["a & b | !c", "'; DROP TABLE ideas; --", "\\\\' <-> :*", "텀블러's & !!"] {
            if let parsed = SearchQuery.all(hostile) {
                XCTAssertNoThrow(try PostgresSearch.rank(db, parsed, limit: 10), hostile)
            }
        }
        try PostgresSearch.remove(db, ideaID: keys.first { $0.value == "ko-tumbler" }!.key)
        let tumbler = try PostgresSearch.rank(db, SearchQuery.all("텀블러를")!, limit: 10).compactMap { keys[$0] }
        XCTAssertFalse(tumbler.contains("ko-tumbler"), "a removed idea is not found")
        XCTAssertTrue(tumbler.contains("ko-tumbler-discount"))
    }
}
