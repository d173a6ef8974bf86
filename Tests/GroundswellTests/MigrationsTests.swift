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
