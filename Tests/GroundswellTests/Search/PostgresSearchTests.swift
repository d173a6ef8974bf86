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
        var recallSum = 0.0, precisionSum = 0.0
        var failures: [String] = []
        for query in SearchRelevanceSet.queries {
            let parsed = try XCTUnwrap(SearchQuery.all(query.text), query.text)
            let found = try PostgresSearch.rank(db, parsed, limit: 10).compactMap { keys[$0] }
            let recall = Double(query.relevant.intersection(found.prefix(10)).count) / Double(query.relevant.count)
            let top = found.prefix(5)
            let precision = top.isEmpty ? 0 : Double(top.filter(query.relevant.contains).count) / Double(top.count)
            recallSum += recall
            precisionSum += precision
            if recall < 1 || precision < 1 {
                failures.append("'\(query.text)' (\(parsed.tsquery ?? "")): recall \(recall), precision@5 \(precision), got \(found), want \(query.relevant.sorted())")
            }
        }
        let count = Double(SearchRelevanceSet.queries.count)
        let recall = recallSum / count, precision = precisionSum / count
        print("postgres search relevance: recall@10 \(recall), precision@5 \(precision)")
        XCTAssertGreaterThanOrEqual(recall, 0.95, "recall@10 \(recall); failing queries:\n" + failures.joined(separator: "\n"))
        XCTAssertGreaterThanOrEqual(precision, 0.8, "precision@5 \(precision); failing queries:\n" + failures.joined(separator: "\n"))
        for failure in failures { print("postgres search relevance: not perfect: \(failure)") }

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
