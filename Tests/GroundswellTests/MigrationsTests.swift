import Foundation
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
