import Foundation
import Logging
import PostgresStore
import SQLiteStore
import TestSupport
import XCTest
@testable import Groundswell

/// Issue 19: the PostgreSQL migrations (Migrations/postgres/, as embedded: `MigrationsTests` keeps
/// the copies equal to the files) and the SQLite ones describe the
/// same tables, columns (type class and nullability), primary keys, unique constraints, foreign
/// keys and secondary indexes. Engine-specific, and left out: SQLite's FTS5 index (`ideas_fts*`)
/// and PostgreSQL's `ideas_search`; the case-insensitive category names (SQLite `COLLATE NOCASE`,
/// PostgreSQL a unique index on `lower(name)`) compare as a unique constraint on `name`; the
/// `top` and `trending` orders, which on SQLite the server keeps in memory (`IdeaRanking`,
/// Migrations/0018) and on PostgreSQL the indexes `ideas_top` and `ideas_trend` keep.
final class PostgresSchemaTests: XCTestCase {
    func testBothEnginesDescribeTheSameSchema() throws {
        let postgres = try PostgresConnection(url: TestPostgres.shared().makeDatabase())
        XCTAssertEqual(try PostgresMigrator.migrate(postgres, EmbeddedPostgresMigrations.all, now: 1), [1, 19, 20])
        XCTAssertEqual(try PostgresMigrator.migrate(postgres, EmbeddedPostgresMigrations.all, now: 2), [], "applied once")

        let directory = try scratchDirectory("schema")
        let path = directory.appendingPathComponent("g.sqlite").path
        let app = try GroundswellApp(configuration: AppConfiguration(databasePath: path), logger: Logger(label: "schema"))
        app.close()
        let sqlite = try Connection(path: path, options: GroundswellApp.connectionOptions())

        let ours = try describe(sqlite: sqlite), theirs = try describe(postgres: postgres)
        XCTAssertEqual(ours.subtracting(theirs).sorted(), [], "in SQLite only")
        XCTAssertEqual(theirs.subtracting(ours).sorted(), ["index ideas_top on ideas(vote_count,id)", "index ideas_trend on ideas(trend,id)"],
                       "in PostgreSQL only")
        XCTAssertGreaterThan(ours.count, 300)
    }

    /// The append-only audit log, the comment counts and the customers that stay hold on PostgreSQL as on SQLite.
    func testTheTriggersKeepTheirRules() throws {
        let db = try PostgresConnection(url: TestPostgres.shared().makeDatabase())
        try PostgresMigrator.migrate(db, EmbeddedPostgresMigrations.all, now: 1)
        try db.run("INSERT INTO audit_log (actor_id, actor_name, actor_role, action, target, created_at) VALUES (1, 'A', 'admin', 'x', 'y', 1)")
        XCTAssertThrowsError(try db.run("UPDATE audit_log SET action = 'z'")) { XCTAssertTrue("\($0)".contains("append-only")) }
        XCTAssertThrowsError(try db.run("DELETE FROM audit_log")) { XCTAssertTrue("\($0)".contains("append-only")) }
        try db.run("INSERT INTO users (name, email, email_norm, token_hash, created_at) VALUES ('Ann', 'a@x', 'a@x', '\\x01', 1)")
        try db.run("INSERT INTO ideas (author_id, title, description, category, created_at) VALUES (1, 't', 'd', 'c', 1)")
        for _ in 0..<3 { try db.run("INSERT INTO comments (idea_id, author_id, body, created_at) VALUES (1, 1, 'b', 1)") }
        try db.run("UPDATE comments SET hidden = 1 WHERE id = 1")
        try db.run("DELETE FROM comments WHERE id = 2")
        XCTAssertEqual(try db.scalarInt("SELECT comment_count FROM ideas WHERE id = 1"), 1)
        // Votes do not look up their author (Migrations/0019), so a customer row is never deleted.
        XCTAssertThrowsError(try db.run("DELETE FROM users WHERE id = 1")) { XCTAssertTrue("\($0)".contains("never deleted")) }
        XCTAssertThrowsError(try db.run("INSERT INTO categories (name, created_at) VALUES ('Drinks', 1), ('drinks', 1)")) {
            XCTAssertEqual(($0 as! PostgresError).sqlState, "23505")
        }
        // Each round's entry_count follows its entered ideas (Migrations/postgres/0020).
        for _ in 0..<2 {
            try db.run("""
                INSERT INTO rounds (name, submissions_open_at, submissions_close_at, voting_opens_at, voting_closes_at, mode, created_at)
                VALUES ('R', 1, 2, 2, 3, 'tiers', 1)
                """)
        }
        for (round, state) in [(1, "entered"), (1, "entered"), (1, "pending"), (2, "entered")] {
            try db.run("INSERT INTO ideas (author_id, title, description, category, created_at, round_id, entry_state) VALUES (1, 't', 'd', 'c', 1, $1, $2)",
                       [Int64(round), state])
        }
        func counts() throws -> [Int64] { try db.query("SELECT entry_count FROM rounds ORDER BY id") { $0.int64(0) } }
        XCTAssertEqual(try counts(), [2, 1])
        try db.run("UPDATE ideas SET entry_state = 'entered' WHERE entry_state = 'pending'")
        try db.run("UPDATE ideas SET round_id = 2 WHERE id = 2")
        try db.run("UPDATE ideas SET vote_count = vote_count + 1 WHERE round_id = 1")
        XCTAssertEqual(try counts(), [2, 2])
        try db.run("DELETE FROM ideas WHERE id = 5")
        XCTAssertEqual(try counts(), [2, 1])
    }

    static let engineSpecific: Set<String> = ["ideas_search", "ideas_search_queue"]

    private func typeClass(_ type: String) -> String {
        let type = type.lowercased()
        if type.contains("int") { return "int" }
        if type.contains("char") || type.contains("text") { return "text" }
        if type.contains("blob") || type.contains("bytea") { return "blob" }
        if type.contains("real") || type.contains("double") { return "real" }
        return type
    }

    private func describe(sqlite db: Connection) throws -> Set<String> {
        var out: Set<String> = []
        let tables = try db.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'ideas_fts%'") { $0.string(0) }
        for table in tables {
            var primary: [(Int64, String)] = []
            _ = try db.query("SELECT name, type, \"notnull\", pk FROM pragma_table_info(?)", [table]) { row in
                let pk = row.int64(3)
                if pk > 0 { primary.append((pk, row.string(0))) }
                out.insert("column \(table).\(row.string(0)) \(typeClass(row.string(1))) \(row.int64(2) == 1 || pk > 0 ? "not null" : "null")")
            }
            out.insert("primary key \(table)(\(primary.sorted { $0.0 < $1.0 }.map(\.1).joined(separator: ",")))")
            let indexes = try db.query("SELECT name, \"unique\", origin, partial FROM pragma_index_list(?)", [table]) {
                (name: $0.string(0), unique: $0.int64(1) == 1, origin: $0.string(2), partial: $0.int64(3) == 1)
            }
            for index in indexes where index.origin != "pk" {
                let columns = try db.query("SELECT name FROM pragma_index_info(?) ORDER BY seqno", [index.name]) { $0.string(0) }.joined(separator: ",")
                if index.unique { out.insert("unique \(table)(\(columns))\(index.partial ? " partial" : "")") }
                if index.origin == "c" && !index.unique { out.insert("index \(index.name) on \(table)(\(columns))\(index.partial ? " partial" : "")") }
            }
            _ = try db.query("SELECT \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?)", [table]) { row in
                out.insert("reference \(table).\(row.string(1)) -> \(row.string(0)).\(row.isNull(2) ? "id" : row.string(2))")
            }
        }
        return out
    }

    private func describe(postgres db: PostgresConnection) throws -> Set<String> {
        var out: Set<String> = []
        let tables = try db.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'") { $0.string(0) }.filter { !Self.engineSpecific.contains($0) }
        for table in tables {
            _ = try db.query("""
                SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1
                """, [table]) { row in
                out.insert("column \(table).\(row.string(0)) \(typeClass(row.string(1))) \(row.string(2) == "NO" ? "not null" : "null")")
            }
            // Every index: its key columns (an expression `lower(x)` counts as `x`), uniqueness, and whether partial.
            let indexes = try db.query("""
                SELECT c.relname, i.indisprimary, i.indisunique, i.indpred IS NOT NULL, i.indnkeyatts,
                  EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid), i.indexrelid::bigint
                FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = $1::regclass
                """, [table]) { (name: $0.string(0), primary: $0.bool(1), unique: $0.bool(2), partial: $0.bool(3), keys: $0.int64(4),
                                 constraint: $0.bool(5), oid: $0.int64(6)) }
            for index in indexes {
                let columns = try (1...max(1, index.keys)).map { k in
                    try db.query("SELECT pg_get_indexdef($1::bigint::oid, $2::int, true)", [index.oid, k]) { $0.string(0) }.first ?? ""
                }.map { $0.replacingOccurrences(of: "lower(", with: "").replacingOccurrences(of: ")", with: "") }.joined(separator: ",")
                if index.primary {
                    out.insert("primary key \(table)(\(columns))")
                } else if index.unique {
                    out.insert("unique \(table)(\(columns))\(index.partial ? " partial" : "")")
                } else if !index.constraint {
                    out.insert("index \(index.name) on \(table)(\(columns))\(index.partial ? " partial" : "")")
                }
            }
            _ = try db.query("""
                SELECT a.attname, f.relname, fa.attname FROM pg_constraint k
                JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
                JOIN pg_class f ON f.oid = k.confrelid
                JOIN pg_attribute fa ON fa.attrelid = k.confrelid AND fa.attnum = k.confkey[1]
                WHERE k.contype = 'f' AND k.conrelid = $1::regclass
                """, [table]) { row in
                out.insert("reference \(table).\(row.string(0)) -> \(row.string(1)).\(row.string(2))")
            }
        }
        return out
    }
}
