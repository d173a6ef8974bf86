import Foundation
import PostgresStore
import Storage
import TestSupport
import XCTest
@testable import Groundswell

/// PostgreSQL ends sessions — a restart, a failover, an administrator's `pg_terminate_backend`.
/// The node's next read and write must still succeed: a read that failed before reading anything
/// runs again on a fresh connection, a write whose `BEGIN` failed runs on a fresh one, and idle
/// connections the server dropped are discarded. Runs in the PostgreSQL pass of `make test`.
final class PostgresSessionLossTests: ServiceTestCase {
    func testEveryConnectionTerminatedCostsNoRequest() throws {
        try XCTSkipUnless(TestService.engine == .postgres, "about PostgreSQL sessions")
        let (_, token) = try signUp()
        let id = try createIdea(token)["id"] as! Int
        // Warm every reader and writer connection.
        for _ in 0..<8 { XCTAssertEqual(try client.get("/ideas/\(id)").status, 200) }
        for round in 0..<3 {
            // Every session of this database but the one asking ends now.
            let admin = SQLConnection(try PostgresConnection(url: service.postgresURL!))
            let ended = try admin.scalarInt("""
                SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
                """) ?? 0
            // At least the writer's session (its last write: the idea, or the last round's comment); which
            // readers and background threads hold one at this moment varies, so no more is counted on.
            XCTAssertGreaterThanOrEqual(ended, 1, "round \(round): the node's connections were there to end")
            Thread.sleep(forTimeInterval: 0.1)
            for _ in 0..<6 {
                let read = try client.get("/ideas/\(id)")
                XCTAssertEqual(read.status, 200, "round \(round): \(read.text)")
            }
            let (_, voter) = try signUp("Voter \(round)")
            let vote = try client.post("/ideas/\(id)/votes", token: voter)
            XCTAssertEqual(vote.status, 201, "round \(round): \(vote.text)")
            let comment = try client.post("/ideas/\(id)/comments", ["body": "Still here \(round)"], token: token)
            XCTAssertEqual(comment.status, 201, "round \(round): \(comment.text)")
        }
        XCTAssertEqual(try client.get("/ideas/\(id)").json["votes"] as? Int, 3)
    }
}
