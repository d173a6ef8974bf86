import Foundation
import TestSupport
import XCTest
@testable import SQLiteStore

/// The ranking function with lengths from memory must give exactly `bm25()`'s scores, and
/// must not use lengths that may differ from the query's snapshot.
final class FullTextDocLengthsTests: DatabaseFileTestCase {
    private let words = ["garden", "bicycle", "lantern", "market", "tram", "bench", "river", "school", "light", "music"]

    private func open(_ lengths: FullTextDocLengths) throws -> Connection {
        var options = Connection.Options()
        options.rankings = [RegisteredRanking(name: "ranked", lengths: lengths)]
        let db = try Connection(path: path, options: options)
        try db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS docs USING fts5(title, body)")
        return db
    }

    private func text(_ generator: inout SeededRandom, count: Int) -> String {
        (0..<count).map { _ in words[Int(generator.next() % UInt64(words.count))] }.joined(separator: " ")
    }

    /// (rowid, score) of every match, by the built-in and by the registered function.
    private func scores(_ db: Connection, _ query: String, validAt: Int64) throws -> (builtIn: [[Double]], ours: [[Double]]) {
        let builtIn = try db.query("SELECT rowid, bm25(docs, 10.0, 1.0) FROM docs WHERE docs MATCH ? ORDER BY rowid", [query]) {
            [Double($0.int64(0)), $0.double(1)]
        }
        let ours = try db.query("SELECT rowid, ranked(docs, ?, 10.0, 1.0) FROM docs WHERE docs MATCH ? ORDER BY rowid", [validAt, query]) {
            [Double($0.int64(0)), $0.double(1)]
        }
        return (builtIn, ours)
    }

    func testScoresEqualBuiltInBM25WithAndWithoutTheTable() throws {
        let lengths = FullTextDocLengths()
        let db = try open(lengths)
        var generator = SeededRandom(seed: 7)
        try db.transaction {
            for _ in 0..<2_000 {
                let title = text(&generator, count: 1 + Int(generator.next() % 6))
                let body = text(&generator, count: Int(generator.next() % 80))
                try db.run("INSERT INTO docs (title, body) VALUES (?, ?)", [title, body])
            }
        }
        XCTAssertEqual(lengths.validity(readAt: 10), -1, "not loaded yet")
        try db.transaction(.deferred) { XCTAssertTrue(try lengths.load(db, docsizeTable: "docs_docsize", readAt: 10)) }
        XCTAssertEqual(lengths.validity(readAt: 10), 10)
        XCTAssertGreaterThan(lengths.length(of: 1), 0)

        for query in ["garden", "garden bicycle", "garden OR tram", "\"market tram\"", "tr*", "mus*", "title:bench", "light NOT river"] {
            for validAt: Int64 in [10, -1] {
                let found = try scores(db, query, validAt: validAt)
                XCTAssertFalse(found.builtIn.isEmpty, query)
                XCTAssertEqual(found.ours, found.builtIn, "\(query), valid_at \(validAt): scores must be bit for bit bm25()'s")
            }
        }
    }

    func testLengthsAreUsedOnlyWhileTheyMatchTheSnapshot() throws {
        let lengths = FullTextDocLengths()
        let db = try open(lengths)
        try db.run("INSERT INTO docs (rowid, title, body) VALUES (1, 'garden', 'a garden by the river')")
        try db.run("INSERT INTO docs (rowid, title, body) VALUES (2, 'garden party', 'music')")
        try db.transaction(.deferred) { XCTAssertTrue(try lengths.load(db, docsizeTable: "docs_docsize", readAt: 5)) }
        XCTAssertEqual(lengths.length(of: 1), 6)
        XCTAssertEqual(lengths.length(of: 2), 3)

        // A stale table shows whether the function used it: its score then differs from bm25()'s.
        func score(_ validAt: Int64) throws -> (ours: Double?, builtIn: Double?) {
            let ours = try db.queryOne("SELECT ranked(docs, ?, 10.0, 1.0) FROM docs WHERE docs MATCH 'garden' AND rowid = 2", [validAt]) { $0.double(0) }
            let builtIn = try db.queryOne("SELECT bm25(docs, 10.0, 1.0) FROM docs WHERE docs MATCH 'garden' AND rowid = 2") { $0.double(0) }
            return (ours, builtIn)
        }
        XCTAssertEqual(try score(5).ours, try score(5).builtIn)
        try db.run("UPDATE docs SET body = ? WHERE rowid = 2", [String(repeating: "music ", count: 200)])
        // Not refreshed yet, and not stamped: a query that says it is current uses the old count.
        XCTAssertEqual(lengths.length(of: 2), 3)
        XCTAssertNotEqual(try score(5).ours, try score(5).builtIn, "the kept count was used")

        // The writer's protocol: stamp before the commit, refresh after; a query that read the
        // commit count before the stamp gets -1 and asks FTS5.
        lengths.stamp(6)
        XCTAssertEqual(lengths.validity(readAt: 5), -1)
        XCTAssertFalse(lengths.stillValid(readAt: 5))
        XCTAssertEqual(try score(lengths.validity(readAt: 5)).ours, try score(5).builtIn)
        try lengths.refresh(db, docsizeTable: "docs_docsize", rowids: [2, 3])
        XCTAssertEqual(lengths.length(of: 2), 202, "title 2 + body 200")
        XCTAssertEqual(lengths.length(of: 3), 0, "no such row: unknown")
        XCTAssertEqual(lengths.validity(readAt: 6), 6)
        XCTAssertEqual(try score(6).ours, try score(6).builtIn)

        // A deleted row becomes unknown; a load during changes does not become ready.
        try db.run("DELETE FROM docs WHERE rowid = 1")
        try lengths.refresh(db, docsizeTable: "docs_docsize", rowids: [1])
        XCTAssertEqual(lengths.length(of: 1), 0)
        lengths.stamp(9)
        try db.transaction(.deferred) { XCTAssertFalse(try lengths.load(db, docsizeTable: "docs_docsize", readAt: 8)) }
        XCTAssertFalse(lengths.isReady)
        XCTAssertEqual(lengths.validity(readAt: 100), -1)
        lengths.invalidate()
        try db.transaction(.deferred) { XCTAssertTrue(try lengths.load(db, docsizeTable: "docs_docsize", readAt: 9)) }
        lengths.invalidate()
        XCTAssertEqual(lengths.validity(readAt: 100), -1, "invalidated")
    }

    func testWriterStampsBeforeTheCommitAndRefreshesBeforeTheCountMoves() throws {
        let lengths = FullTextDocLengths()
        var options = Connection.Options()
        options.rankings = [RegisteredRanking(name: "ranked", lengths: lengths)]
        let writer = GroupCommitWriter(connection: try Connection(path: path, options: options))
        try writer.sync { db in try db.execute("CREATE VIRTUAL TABLE docs USING fts5(title, body)") }
        final class Seen: @unchecked Sendable {  // written and read on the writer thread only
            var stamps: [(count: UInt64, visible: Int64)] = []
        }
        let seen = Seen()
        let reader = try Connection(path: path)
        try writer.onCommittedRows(of: "docs_docsize", beforeCommit: {
            // Inside the transaction: another connection cannot see the row yet.
            let visible = (try? reader.scalarInt("SELECT COUNT(*) FROM docs_docsize")) ?? -1
            seen.stamps.append((writer.commitCount + 1, visible))
            lengths.stamp(writer.commitCount + 1)
        }) { db, rows in
            try? lengths.refresh(db, docsizeTable: "docs_docsize", rowids: rows)
        }
        try writer.sync { db in try db.run("INSERT INTO docs (rowid, title, body) VALUES (4, 'one two', 'three')") }
        XCTAssertEqual(seen.stamps.count, 1)
        XCTAssertEqual(seen.stamps.first?.visible, 0, "stamped before the commit")
        XCTAssertEqual(lengths.changedAt, writer.commitCount, "the stamp names the commit that changed lengths")
        XCTAssertEqual(lengths.length(of: 4), 3, "refreshed before the job was answered")
        try writer.sync { db in try db.execute("CREATE TABLE other (x); INSERT INTO other VALUES (1)") }
        XCTAssertEqual(seen.stamps.count, 1, "commits that change no document are not stamped")
        writer.close()
    }
}
