import Foundation
import SQLiteStore
import TestSupport
import XCTest
@testable import Groundswell

/// New files use 2 KiB pages (half the WAL bytes per random vote); a file made with SQLite's
/// 4 KiB pages keeps them and works as before; backups copy either.
final class PageSizeTests: ServiceTestCase {
    private func pageSize(_ path: String) throws -> Int64? {
        try Connection(path: path).scalarInt("PRAGMA page_size")
    }

    func testANewDatabaseHasTwoKiBPages() throws {
        try XCTSkipIf(TestService.engine == .postgres, "page sizes are SQLite's")
        let (_, token) = try signUp()
        let id = try createIdea(token)["id"] as! Int
        XCTAssertEqual(try client.post("/ideas/\(id)/votes", token: token).status, 201)
        XCTAssertEqual(try pageSize(service.databasePath), 2_048)
    }

    func testAFileWithFourKiBPagesKeepsThemAndServes() throws {
        try XCTSkipIf(TestService.engine == .postgres, "page sizes are SQLite's")
        service.stop()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: service.databasePath + suffix) }
        // A file as an earlier version made it: SQLite's default page size, in WAL mode.
        try Connection(path: service.databasePath).execute("CREATE TABLE made_before (x INTEGER)")
        XCTAssertEqual(try pageSize(service.databasePath), 4_096)
        try service.start()
        client = service.client()
        let (_, token) = try signUp()
        var ids: [Int] = []
        for i in 0..<30 {
            let id = try createIdea(token, title: "Idea \(i)", description: String(repeating: "long text ", count: 300))["id"] as! Int
            XCTAssertEqual(try client.post("/ideas/\(id)/votes", token: token).status, 201)
            ids.append(id)
        }
        try service.restart()
        client = service.client()
        XCTAssertEqual(try pageSize(service.databasePath), 4_096)
        XCTAssertEqual(try client.get("/ideas/\(ids[7])").json["votes"] as? Int, 1)
        XCTAssertEqual(try service.scalar("SELECT COUNT(*) FROM votes"), 30)
        let backup = service.directory.appendingPathComponent("backup.sqlite").path
        let (status, output) = try TestBinary.run(["backup", "--db", service.databasePath, "--out", backup])
        XCTAssertEqual(status, 0, output)
        XCTAssertEqual(try pageSize(backup), 4_096)
        XCTAssertEqual(try Connection(path: backup).scalarInt("SELECT COUNT(*) FROM votes"), 30)
    }
}
