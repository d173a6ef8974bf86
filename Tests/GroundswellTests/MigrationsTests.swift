import Foundation
import SQLiteStore
import XCTest
@testable import Groundswell

final class MigrationsTests: XCTestCase {
    /// The binary carries Migrations/*.sql through a generated file; they must not drift.
    func testEmbeddedMigrationsMatchTheSQLFiles() throws {
        try assertEmbedded("Migrations", EmbeddedMigrations.all.map { (Int64($0.version), $0.sql) })
    }

    /// The same for PostgreSQL's migrations (Migrations/postgres/*.sql, issue 19).
    func testEmbeddedPostgresMigrationsMatchTheSQLFiles() throws {
        try assertEmbedded("Migrations/postgres", EmbeddedPostgresMigrations.all.map { ($0.version, $0.sql) })
    }

    /// 0019 edits the text of `votes` in place (issue 14): on a file with a vote made before it, the
    /// author key is gone for the migrating connection and for one opened before, the rows are
    /// unchanged, the file checks out, and a customer row can no longer be deleted.
    func testVotesLoseTheirAuthorKeyInPlaceAndCustomersStay() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("upgrade.sqlite").path
        let db = try Connection(path: path, options: GroundswellApp.connectionOptions())
        try Migrator(migrations: EmbeddedMigrations.all.filter { $0.version < 19 }).migrate(db, now: { 1 })
        try db.run("INSERT INTO users (id, name, email, email_norm, token_hash, created_at) VALUES (7, 'A', 'a@x', 'a@x', x'01', 1)")
        try db.run("INSERT INTO ideas (id, author_id, title, description, category, created_at) VALUES (3, 7, 't', 'd', 'c', 1)")
        try db.run("INSERT INTO votes (idea_id, user_id, vote_day, created_at) VALUES (3, 7, 0, 5)")
        XCTAssertThrowsError(try db.run("INSERT INTO votes (idea_id, user_id, vote_day, created_at) VALUES (3, 99, 0, 5)"))
        let earlier = try Connection(path: path, options: GroundswellApp.connectionOptions())
        XCTAssertEqual(try earlier.scalarInt("SELECT COUNT(*) FROM pragma_foreign_key_list('votes') WHERE \"table\" = 'users'"), 1)

        XCTAssertEqual(try Migrator(migrations: EmbeddedMigrations.all).migrate(db, now: { 2 }), EmbeddedMigrations.all.map(\.version).filter { $0 >= 19 })
        for connection in [db, earlier] {
            XCTAssertEqual(try connection.scalarInt("SELECT COUNT(*) FROM pragma_foreign_key_list('votes') WHERE \"table\" = 'users'"), 0)
            XCTAssertEqual(try connection.scalarInt("SELECT COUNT(*) FROM pragma_foreign_key_list('votes') WHERE \"table\" = 'ideas'"), 1)
        }
        XCTAssertEqual(try db.queryOne("PRAGMA integrity_check") { $0.string(0) }, "ok")
        XCTAssertEqual(try earlier.scalarInt("SELECT user_id FROM votes WHERE idea_id = 3"), 7)
        XCTAssertThrowsError(try earlier.run("DELETE FROM users WHERE id = 7")) { error in
            XCTAssertTrue("\(error)".contains("never deleted"), "\(error)")
        }
        XCTAssertEqual(try db.scalarInt("SELECT COUNT(*) FROM users"), 1)
        // The key on the idea stays.
        XCTAssertThrowsError(try db.run("INSERT INTO votes (idea_id, user_id, vote_day, created_at) VALUES (4, 7, 0, 5)"))
    }

    /// 0020 keeps each round's `entry_count` on its row (issue 14): a file with entries made before it
    /// gets the counts it would have counted, and afterwards every insert, change of state or round,
    /// and delete of an idea moves them, while a vote's update of the idea does not.
    func testRoundEntryCountsAreBackfilledAndFollowEveryChange() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = try Connection(path: directory.appendingPathComponent("upgrade.sqlite").path, options: GroundswellApp.connectionOptions())
        try Migrator(migrations: EmbeddedMigrations.all.filter { $0.version < 20 }).migrate(db, now: { 1 })
        try db.run("INSERT INTO users (id, name, email, email_norm, token_hash, created_at) VALUES (7, 'A', 'a@x', 'a@x', x'01', 1)")
        for round in 1...3 {
            try db.run("""
                INSERT INTO rounds (id, name, submissions_open_at, submissions_close_at, voting_opens_at, voting_closes_at, mode, created_at)
                VALUES (?, 'R', 1, 2, 2, 3, 'tiers', 1)
                """, [round])
        }
        func idea(_ id: Int, round: Int?, state: String?) throws {
            try db.run("""
                INSERT INTO ideas (id, author_id, title, description, category, created_at, round_id, entry_state)
                VALUES (?, 7, 't', 'd', 'c', 1, ?, ?)
                """, [id, round, state])
        }
        for id in 1...5 { try idea(id, round: 1, state: "entered") }
        try idea(6, round: 1, state: "pending")
        try idea(7, round: 2, state: "entered")
        try idea(8, round: nil, state: nil)
        func counts() throws -> [Int64] {
            try db.query("SELECT entry_count FROM rounds ORDER BY id") { $0.int64(0) }
        }
        func counted() throws -> [Int64] {
            try db.query("SELECT (SELECT COUNT(*) FROM ideas WHERE round_id = rounds.id AND entry_state = 'entered') FROM rounds ORDER BY id") {
                $0.int64(0)
            }
        }

        XCTAssertEqual(try Migrator(migrations: EmbeddedMigrations.all).migrate(db, now: { 2 }), EmbeddedMigrations.all.map(\.version).filter { $0 >= 20 })
        XCTAssertEqual(try counts(), [5, 1, 0])
        try idea(9, round: 3, state: "entered")
        try idea(10, round: 3, state: "pending")
        XCTAssertEqual(try counts(), [5, 1, 1])
        try db.run("UPDATE ideas SET entry_state = 'entered' WHERE id = 6")          // drawn
        try db.run("UPDATE ideas SET entry_state = 'not_drawn' WHERE id = 10")       // not drawn: no change
        try db.run("UPDATE ideas SET round_id = 2, entry_state = 'entered' WHERE id IN (1, 2)")  // carried over
        try db.run("UPDATE ideas SET round_id = 3 WHERE id = 7")                      // moved, still entered
        try db.run("UPDATE ideas SET vote_count = vote_count + 1, trend = 0 WHERE id = 3")
        XCTAssertEqual(try counts(), [4, 2, 2])
        try db.run("DELETE FROM ideas WHERE id IN (3, 8, 10)")
        XCTAssertEqual(try counts(), [3, 2, 2])
        XCTAssertEqual(try counts(), try counted())
    }

    /// `folder`'s NNNN_name.sql files, in order, are `embedded` (version and text).
    private func assertEmbedded(_ folder: String, _ embedded: [(version: Int64, sql: String)], line: UInt = #line) throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let directory = root.appendingPathComponent(folder)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sql") }.sorted()
        XCTAssertEqual(files.count, embedded.count, "run `make migrations`", line: line)
        for (file, migration) in zip(files, embedded) {
            let sql = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            XCTAssertEqual(Int64(file.prefix(while: { $0.isNumber })), migration.version, file, line: line)
            XCTAssertEqual(sql, migration.sql + "\n", "\(file) differs from the embedded copy: run `make migrations`", line: line)
        }
    }
}
