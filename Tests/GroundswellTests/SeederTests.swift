import Foundation
import SQLiteStore
import XCTest
@testable import Groundswell

/// `groundswell seed --votes`: benchmark votes whose figures agree with their rows.
final class SeederTests: XCTestCase {
    func testSeededVotesAgreeWithTheLedgerAndTheTimeline() throws {
        let directory = try scratchDirectory("seed")
        let path = directory.appendingPathComponent("seed.sqlite").path
        let (status, output) = try TestBinary.run(["seed", "--db", path, "--users", "300", "--ideas", "40", "--votes", "2003"])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("2003 votes"), output)
        let db = try Connection(path: path, options: GroundswellApp.connectionOptions())
        XCTAssertEqual(try db.scalarInt("SELECT COUNT(*) FROM votes"), 2003)
        XCTAssertEqual(try db.scalarInt("SELECT COUNT(*) FROM ideas i WHERE i.vote_count != (SELECT COUNT(*) FROM votes v WHERE v.idea_id = i.id)"), 0)
        XCTAssertEqual(try db.scalarInt("SELECT COUNT(*) FROM ideas i WHERE i.last_vote_id IS NOT (SELECT MAX(v.id) FROM votes v WHERE v.idea_id = i.id)"), 0)
        XCTAssertEqual(try db.scalarInt("SELECT COUNT(*) FROM votes a JOIN votes b ON b.id = a.id + 1 WHERE b.created_at < a.created_at"), 0,
                       "ids and times grow together")
        XCTAssertEqual(try db.scalarInt("SELECT COUNT(*) FROM (SELECT idea_id, user_id FROM votes GROUP BY idea_id, user_id HAVING COUNT(*) > 1)"), 0)
        // The per-customer index is dropped for the insert and built again after it.
        XCTAssertEqual(try db.queryOne("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'votes_round_day'") { $0.string(0) },
                       "CREATE INDEX votes_round_day ON votes (user_id, round_id, vote_day)")
        XCTAssertEqual(try db.queryOne("PRAGMA integrity_check") { $0.string(0) }, "ok")
        XCTAssertEqual(try db.scalarInt("SELECT COUNT(*) FROM votes INDEXED BY votes_round_day WHERE user_id = 7"),
                       try db.scalarInt("SELECT COUNT(*) FROM votes NOT INDEXED WHERE user_id = 7"))
        assertBad(["seed", "--db", path, "--votes", "-1"])
        // More votes than distinct customers can give: refused with the reason, nothing written.
        let fresh = directory.appendingPathComponent("small.sqlite").path
        let tooMany = try TestBinary.run(["seed", "--db", fresh, "--users", "10", "--ideas", "10", "--votes", "1000"])
        XCTAssertNotEqual(tooMany.0, 0)
        XCTAssertTrue(tooMany.1.contains("needs at least 101 customers"), tooMany.1)
        let noIdeas = try TestBinary.run(["seed", "--db", fresh, "--users", "10", "--ideas", "0", "--votes", "5"])
        XCTAssertNotEqual(noIdeas.0, 0)
        XCTAssertTrue(noIdeas.1.contains("--votes needs ideas to vote for"), noIdeas.1)
        let fits = try TestBinary.run(["seed", "--db", fresh, "--users", "10", "--ideas", "10", "--votes", "90"])
        XCTAssertEqual(fits.0, 0, fits.1)
        XCTAssertTrue(fits.1.contains("90 votes"), fits.1)
        let small = try Connection(path: fresh, options: GroundswellApp.connectionOptions())
        XCTAssertEqual(try small.scalarInt("SELECT COUNT(*) FROM users"), 10, "the refusals added no customers")
        // Votes go into a file without any, and a refusal adds nothing.
        let again = try TestBinary.run(["seed", "--db", path, "--users", "10", "--ideas", "2", "--votes", "5"])
        XCTAssertNotEqual(again.0, 0)
        XCTAssertTrue(again.1.contains("--votes needs a file without votes"), again.1)
        XCTAssertEqual(try db.scalarInt("SELECT COUNT(*) FROM users"), 300)
        XCTAssertEqual(try db.scalarInt("SELECT COUNT(*) FROM votes"), 2003)
    }

    private func assertBad(_ arguments: [String]) {
        XCTAssertNotEqual((try? TestBinary.run(arguments))?.0, 0, "\(arguments)")
    }
}
