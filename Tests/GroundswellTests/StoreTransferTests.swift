import Foundation
import PostgresStore
import SQLiteStore
import TestSupport
import XCTest
@testable import Groundswell

/// `groundswell migrate-store` (issue 19): a live SQLite database copied into PostgreSQL, every
/// table's count and checksum equal on both engines; the copy keeps counts as they were and
/// identity counters continue after the highest id; a non-empty target is refused.
final class StoreTransferTests: ServiceTestCase {
    func testALiveDatabaseIsCopiedAndVerifiedTableByTable() throws {
        let (_, alice) = try signUp("앨리스")
        let (_, bob) = try signUp("Bob")
        let first = try createIdea(alice, title: "재활용 컵을 도입해 주세요", description: "매장마다 컵을 돌려받아요 ☕")["id"] as! Int
        let second = try createIdea(bob, title: "Night opening", category: "stores")["id"] as! Int
        XCTAssertEqual(try client.post("/ideas/\(first)/votes", token: bob).status, 201)
        XCTAssertEqual(try client.post("/ideas/\(second)/votes", token: alice).status, 201)
        XCTAssertEqual(try client.post("/ideas/\(first)/comments", ["body": "좋아요!"], token: bob).status, 201)
        XCTAssertEqual(try client.post("/admin/ideas/\(first)/comments", ["body": "Thanks"], token: service.adminToken).status, 201)
        XCTAssertEqual(try client.request("PATCH", "/admin/ideas/\(first)", json: ["status": "under_review", "note": "검토 중"],
                                          token: service.adminToken).status, 200)
        XCTAssertEqual(try client.request("POST", "/ideas/\(second)/comments", json: ["body": "with a key"], token: alice,
                                          headers: [("Idempotency-Key", "k-1")]).status, 201)
        _ = try client.get("/admin/engagement", token: service.adminToken)  // the rollup tables too

        let url = try TestPostgres.shared().makeDatabase()
        var lines: [String] = []
        // The server keeps running: the copy reads one snapshot of the live file.
        let reports = try StoreTransfer.copy(sqlitePath: service.databasePath, postgresURL: url, now: 1) { lines.append($0) }
        XCTAssertTrue(reports.allSatisfy(\.matches), reports.filter { !$0.matches }.map(\.table).description)
        let rows = Dictionary(uniqueKeysWithValues: reports.map { ($0.table, $0.rows) })
        XCTAssertEqual(rows["users"], 2)
        XCTAssertEqual(rows["votes"], 2)
        XCTAssertEqual(rows["comments"], 3)
        XCTAssertGreaterThan(rows["audit_log"] ?? 0, 0)
        XCTAssertGreaterThan(rows["idempotency_keys"] ?? 0, 0, "blobs copied")
        XCTAssertGreaterThan(rows["activity_days"] ?? 0, 0)
        XCTAssertNil(rows["ideas_fts"])
        XCTAssertTrue(lines.contains("copied 2 rows of votes"), lines.description)

        let db = try PostgresConnection(url: url)
        XCTAssertEqual(try db.scalarInt("SELECT comment_count FROM ideas WHERE id = $1", [first]), 2, "copied, not counted again by triggers")
        XCTAssertEqual(try db.query("SELECT title FROM ideas WHERE id = $1", [first]) { $0.string(0) }, ["재활용 컵을 도입해 주세요"])
        try db.run("INSERT INTO users (name, email, email_norm, token_hash, created_at) VALUES ('C', 'c@x', 'c@x', '\\x02', 1)")
        XCTAssertEqual(try db.scalarInt("SELECT MAX(id) FROM users"), 3, "identity continues after the copied ids")
        XCTAssertThrowsError(try db.run("UPDATE audit_log SET action = 'x'"), "triggers are back on")
        XCTAssertTrue(lines.contains("indexed 2 ideas for search"), lines.description)
        XCTAssertEqual(try PostgresSearch.rank(db, SearchQuery.all("컵을")!, limit: 10), [Int64(first)], "searchable on PostgreSQL")
        XCTAssertEqual(try PostgresSearch.rank(db, SearchQuery.all("night")!, limit: 10), [Int64(second)])

        // A changed row shows up as that table's mismatch; a second copy into the same database is refused.
        try db.run("UPDATE ideas SET title = 'changed' WHERE id = $1", [second])
        let again = try StoreTransfer.verify(sqlitePath: service.databasePath, postgresURL: url)
        XCTAssertEqual(again.filter { !$0.matches }.map(\.table), ["ideas", "users"])
        XCTAssertThrowsError(try StoreTransfer.copy(sqlitePath: service.databasePath, postgresURL: url, now: 2)) { error in
            XCTAssertTrue("\(error)".contains("already has rows"), "\(error)")
        }
        XCTAssertThrowsError(try StoreTransfer.copy(sqlitePath: service.databasePath, postgresURL: "postgres://nobody@127.0.0.1:1/x", now: 2)) {
            XCTAssertEqual(($0 as? PostgresError)?.sqlState, "08001")
        }
    }
}
