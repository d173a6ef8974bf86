import Foundation
import SQLiteStore
import XCTest

/// A `RowImageRecorder` through the group-commit writer: after each commit the observer gets the rowids
/// a batch changed and, when nothing in the batch was undone, the values each row was last given
/// — equal to what a read-back finds. After a batch that undid anything, no images at all.
final class RowImageRecorderTests: DatabaseFileTestCase {
    private struct Item: Equatable {
        var count: Int64
        var score: Double
        var label: String
        var gone: Bool
    }

    /// Written on the writer thread, read by the test after `sync` returned (which orders them).
    private final class Seen: @unchecked Sendable {
        var commits: [(rows: [Int64], images: [Int64: Item?])] = []
    }

    /// What the hook told, as a domain's own recorder would keep it.
    private final class Items: RowImageRecorder {
        static let columns = ["count", "score", "label", "gone_at"]
        var images: [Int64: Item?] = [:]
        func changed(_ rowid: Int64, _ row: PreupdateRow?) {
            images[rowid] = .some(row.map { Item(count: $0.int64(0), score: $0.double(1), label: $0.string(2), gone: !$0.isNull(3)) })
        }
        func discard() { images = [:] }
    }

    private func start() throws -> (GroupCommitWriter, Seen) {
        let writer = GroupCommitWriter(connection: try Connection(path: path))
        try writer.sync { db in
            try db.execute("""
                CREATE TABLE items (id INTEGER PRIMARY KEY, note TEXT, count INTEGER NOT NULL DEFAULT 0 CHECK (count < 100),
                                    score REAL NOT NULL DEFAULT 0, label TEXT NOT NULL DEFAULT '', gone_at INTEGER);
                CREATE TABLE taps (item_id INTEGER NOT NULL);
                CREATE TRIGGER tap AFTER INSERT ON taps BEGIN UPDATE items SET count = count + 1 WHERE id = NEW.item_id; END;
                """)
        }
        let seen = Seen()
        let items = Items()
        try writer.onCommittedRows(of: "items", columns: Items.columns, recorder: items) { _, rows, recorded in
            seen.commits.append((rows.sorted(), recorded ? items.images : [:]))
        }
        return (writer, seen)
    }

    /// The rows as a read-back finds them (nil: no such row).
    private func stored(_ ids: [Int64]) throws -> [Int64: Item?] {
        let reader = try Connection(path: path)
        var found: [Int64: Item?] = [:]
        for id in ids {
            found[id] = try reader.queryOne("SELECT count, score, label, gone_at FROM items WHERE id = ?", [id]) {
                Item(count: $0.int64(0), score: $0.double(1), label: $0.string(2), gone: !$0.isNull(3))
            }
        }
        return found
    }

    func testImagesEqualTheCommittedRowsThroughInsertsUpdatesTriggersDeletesAndRowidChanges() throws {
        let (writer, seen) = try start()
        try writer.sync { db in
            try db.run("INSERT INTO items (id, count, score, label) VALUES (1, 3, 0.5, '아이디어'), (2, 0, 1.5, 'b'), (3, 7, 2, 'c')")
        }
        try writer.sync { db in
            try db.run("UPDATE items SET count = count + 1 WHERE id = 1")
            try db.run("UPDATE items SET note = 'only a column the images leave out' WHERE id = 2")
            try db.run("UPDATE items SET score = 9.25, gone_at = 5 WHERE id = 1")
            try db.run("INSERT INTO taps VALUES (3), (3)")
        }
        try writer.sync { db in
            try db.run("DELETE FROM items WHERE id = 2")
            try db.run("UPDATE items SET id = 10, label = 'moved' WHERE id = 3")
            try db.run("INSERT INTO items (id, label) VALUES (2, 'again')")
        }
        try writer.sync { db in try db.run("INSERT INTO taps VALUES (1)") }
        XCTAssertEqual(seen.commits.count, 4)
        for (n, commit) in seen.commits.enumerated() {
            XCTAssertFalse(commit.images.isEmpty, "commit \(n)")
            XCTAssertTrue(Set(commit.rows).isSubset(of: commit.images.keys), "an image for every changed row, commit \(n)")
        }
        XCTAssertEqual(seen.commits[0].images, [1: Item(count: 3, score: 0.5, label: "아이디어", gone: false),
                                                2: Item(count: 0, score: 1.5, label: "b", gone: false),
                                                3: Item(count: 7, score: 2, label: "c", gone: false)])
        XCTAssertEqual(seen.commits[1].images[1], Item(count: 4, score: 9.25, label: "아이디어", gone: true), "the last write wins")
        XCTAssertEqual(seen.commits[1].images[2], Item(count: 0, score: 1.5, label: "b", gone: false), "unchanged columns as stored")
        XCTAssertEqual(seen.commits[1].images[3], Item(count: 9, score: 2, label: "c", gone: false), "a trigger's changes too")
        XCTAssertEqual(seen.commits[2].images[3], .some(nil), "the old rowid of a moved row is gone")
        XCTAssertEqual(seen.commits[2].images[10], Item(count: 9, score: 2, label: "moved", gone: false))
        XCTAssertEqual(seen.commits[2].images[2], Item(count: 0, score: 0, label: "again", gone: false), "deleted, then inserted again")
        // Every image equals the row as committed, or nil for a row that no longer exists.
        let last = try stored([1, 2, 3, 10])
        XCTAssertEqual(seen.commits[3].images, [1: last[1]!])
        XCTAssertEqual(seen.commits[2].images, [2: last[2]!, 3: nil, 10: last[10]!])
        writer.close()
    }

    func testABatchThatUndidAnythingHandsOverRowsWithoutImages() throws {
        let (writer, seen) = try start()
        try writer.sync { db in try db.run("INSERT INTO items (id, count) VALUES (1, 50), (2, 98), (3, 0)") }

        // A statement that failed half-way, caught by the job: SQLite undid its first row (the
        // hook had seen it at 99), the job went on and committed.
        try writer.sync { db in
            try db.run("UPDATE items SET count = 1 WHERE id = 3")
            // Row 1 goes to 52, then row 2 breaks the CHECK at 100: row 1 is back at 50.
            XCTAssertThrowsError(try db.run("UPDATE items SET count = count + 2 WHERE id IN (1, 2)"))
        }
        XCTAssertEqual(try stored([1, 2])[1], Item(count: 50, score: 0, label: "", gone: false))
        XCTAssertEqual(try stored([1, 2])[2], Item(count: 98, score: 0, label: "", gone: false))
        XCTAssertEqual(seen.commits.last?.rows.contains(3), true)
        XCTAssertEqual(seen.commits.last?.images.count, 0, "a failed statement: nothing the hook saw is trusted")

        // A job that changed rows and then failed: the batch is replayed with savepoints.
        struct Refused: Error {}
        XCTAssertThrowsError(try writer.sync { db in
            try db.run("UPDATE items SET count = 60 WHERE id = 1")
            throw Refused()
        })
        XCTAssertEqual(seen.commits.last?.rows, [1], "the rolled-back change is still handed over, to be read back")
        XCTAssertEqual(seen.commits.last?.images.count, 0)
        XCTAssertEqual(try stored([1])[1], Item(count: 50, score: 0, label: "", gone: false))

        // The next clean batch has images again, and only its own.
        try writer.sync { db in try db.run("UPDATE items SET label = 'x' WHERE id = 3") }
        XCTAssertEqual(seen.commits.last?.rows, [3])
        XCTAssertEqual(seen.commits.last?.images, [3: Item(count: 1, score: 0, label: "x", gone: false)])
        writer.close()
    }

    func testOtherTablesAndSchemasAreIgnoredAndAMissingColumnIsRefused() throws {
        let (writer, seen) = try start()
        try writer.sync { db in
            try db.execute("CREATE TEMP TABLE items (id INTEGER PRIMARY KEY, count INTEGER, score REAL, label TEXT, gone_at INTEGER)")
            try db.run("INSERT INTO temp.items VALUES (1, 5, 5, 'temp', NULL)")
            try db.run("INSERT INTO taps VALUES (7)")
        }
        XCTAssertTrue(seen.commits.allSatisfy { $0.images.isEmpty }, "\(seen.commits)")
        XCTAssertThrowsError(try writer.onCommittedRows(of: "items", columns: ["count", "no_such_column"], recorder: Items()) { _, _, _ in }) { error in
            XCTAssertTrue("\(error)".contains("no_such_column"), "\(error)")
        }
        writer.close()
    }
}
