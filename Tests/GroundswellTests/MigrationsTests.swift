import Foundation
import XCTest
@testable import Groundswell

final class MigrationsTests: XCTestCase {
    /// The binary carries Migrations/*.sql through a generated file; they must not drift.
    func testEmbeddedMigrationsMatchTheSQLFiles() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folder = root.appendingPathComponent("Migrations")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }.sorted()
        XCTAssertEqual(files.count, EmbeddedMigrations.all.count, "run `make migrations`")
        for (file, migration) in zip(files, EmbeddedMigrations.all) {
            let sql = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            XCTAssertEqual(Int(file.prefix(while: { $0.isNumber })), migration.version, file)
            XCTAssertEqual(sql, migration.sql + "\n", "\(file) differs from the embedded copy: run `make migrations`")
        }
    }

    /// The same for PostgreSQL's migrations (Migrations/postgres/*.sql, issue 19).
    func testEmbeddedPostgresMigrationsMatchTheSQLFiles() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folder = root.appendingPathComponent("Migrations/postgres")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }.sorted()
        XCTAssertEqual(files.count, EmbeddedPostgresMigrations.all.count, "run `make migrations`")
        for (file, migration) in zip(files, EmbeddedPostgresMigrations.all) {
            let sql = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            XCTAssertEqual(Int64(file.prefix(while: { $0.isNumber })), migration.version, file)
            XCTAssertEqual(sql, migration.sql + "\n", "\(file) differs from the embedded copy: run `make migrations`")
        }
    }
}
