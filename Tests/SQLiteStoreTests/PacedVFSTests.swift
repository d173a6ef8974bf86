import CSQLitePacing
import Foundation
import XCTest
@testable import SQLiteStore

/// The VFSes of CSQLitePacing: the paced one (the checkpointer's) and the gathering one (the
/// writer's with `synchronous = FULL`) read and write like SQLite's default, whatever the size of
/// a commit, and readers on the default VFS see every commit.
final class PacedVFSTests: DatabaseFileTestCase {
    func testThePacedVFSReadsAndWritesLikeTheDefault() throws {
        var options = Connection.Options()
        options.vfs = try PacedVFS.paced()
        let paced = try Connection(path: path, options: options)
        try paced.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, pad BLOB NOT NULL)")
        try paced.transaction {
            for i in 0..<3_000 { try paced.run("INSERT INTO t (id, pad) VALUES (?, randomblob(3000))", [Int64(i)]) }
        }
        // The checkpoint writes ~9 MB into the file through the pacing (chunks of 256 KiB).
        let other = try Connection(path: path)
        XCTAssertEqual(try other.scalarInt("SELECT COUNT(*) FROM t"), 3_000, "a default-VFS reader shares the WAL index")
        try paced.checkpoint()
        XCTAssertEqual(walBytes(), 0)
        XCTAssertEqual(try other.queryOne("PRAGMA integrity_check") { $0.string(0) }, "ok")
        XCTAssertEqual(try other.scalarInt("SELECT SUM(length(pad)) FROM t"), 9_000_000)

        options.vfs = "no-such-vfs"
        XCTAssertThrowsError(try Connection(path: path, options: options))
    }

    /// A checkpoint's writes reach the disk a chunk of 256 KiB at a time (each step waits for its
    /// range), so a WAL flush never queues behind more than a chunk of them (PacedVFS.chunkBytes):
    /// a checkpoint that copies the whole WAL writes them back before SQLite's fsync.
    func testACheckpointWritesTheFileInSmallChunks() throws {
        var options = Connection.Options()
        options.vfs = try PacedVFS.paced()
        options.walAutocheckpoint = 0  // every page waits in the WAL for the checkpoint below
        let paced = try Connection(path: path, options: options)
        try paced.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, pad BLOB NOT NULL)")
        try paced.transaction {
            for i in 0..<3_000 { try paced.run("INSERT INTO t (id, pad) VALUES (?, randomblob(3000))", [Int64(i)]) }
        }
        let before = csqlite_pacing_steps()
        try paced.checkpoint()
        // ~9.3 MB copied: at least 35 chunks of 256 KiB (3 of 4 MiB); other tests' steps only add.
        XCTAssertGreaterThanOrEqual(csqlite_pacing_steps() - before, 35)
        XCTAssertEqual(walBytes(), 0)
    }

    /// A paced connection whose WAL holds `rows` rows of 3,000 random bytes that no checkpoint has
    /// copied, and a reader on the default VFS holding a snapshot of the first `pinned` of them.
    private func pacedWithPinnedReader(rows: Int, pinned: Int) throws -> (paced: Connection, reader: Connection) {
        var options = Connection.Options()
        options.vfs = try PacedVFS.paced()
        options.walAutocheckpoint = 0
        let paced = try Connection(path: path, options: options)
        try paced.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, pad BLOB NOT NULL)")
        let reader = try Connection(path: path)
        for (from, to) in [(0, pinned), (pinned, rows)] {
            try paced.transaction {
                for i in from..<to { try paced.run("INSERT INTO t (id, pad) VALUES (?, randomblob(3000))", [Int64(i)]) }
            }
            if from == 0 {
                try reader.execute("BEGIN")
                XCTAssertEqual(try reader.scalarInt("SELECT COUNT(*) FROM t"), Int64(pinned))
            }
        }
        return (paced, reader)
    }

    /// A checkpoint pass that cannot copy the whole WAL (a reader still reads an older snapshot)
    /// leaves its copies in the kernel's cache below the budget: the next pass may copy the same
    /// pages again, and they reach the disk once. Asked, or when SQLite syncs the file before the
    /// WAL starts over, they are written back a chunk at a time.
    func testAPassThatCannotFinishLeavesItsCopiesForLater() throws {
        let (paced, reader) = try pacedWithPinnedReader(rows: 1_200, pinned: 600)
        let before = csqlite_pacing_steps()
        let pass = try paced.checkpointPassive()
        XCTAssertLessThan(pass.backfilled, pass.log, "the reader's snapshot ends the pass early")
        XCTAssertGreaterThan(pass.backfilled, 400, "~1.8 MB copied")
        XCTAssertEqual(csqlite_pacing_steps(), before, "below the budget nothing was written back")

        paced.writeBackCopiedPages()
        let written = csqlite_pacing_steps()
        XCTAssertGreaterThanOrEqual(written - before, 7, "~1.8 MB written back, 256 KiB a step")
        paced.writeBackCopiedPages()
        XCTAssertEqual(csqlite_pacing_steps(), written, "nothing waits any more")

        try reader.execute("COMMIT")
        let last = try paced.checkpointPassive()
        XCTAssertEqual(last.backfilled, last.log, "the whole WAL copied")
        XCTAssertGreaterThanOrEqual(csqlite_pacing_steps() - written, 7, "the second half written back before SQLite's fsync")
        XCTAssertEqual(try reader.scalarInt("SELECT COUNT(*) FROM t"), 1_200)
        XCTAssertEqual(try reader.queryOne("PRAGMA integrity_check") { $0.string(0) }, "ok")
    }

    /// Past the budget a pass writes back what it copied as it goes, so a large file's pass never
    /// leaves more than the budget for the final fsync.
    func testAPassWritesBackWhatItCopiedPastTheBudget() throws {
        let rows = Int(PacedVFS.budgetBytes / 3_000) * 3 / 2
        let (paced, reader) = try pacedWithPinnedReader(rows: rows + 100, pinned: rows)
        let before = csqlite_pacing_steps()
        let pass = try paced.checkpointPassive()
        XCTAssertLessThan(pass.backfilled, pass.log)
        // ~1.5 budgets copied: at least one budget's worth written back during the pass.
        XCTAssertGreaterThanOrEqual(csqlite_pacing_steps() - before, PacedVFS.budgetBytes / PacedVFS.chunkBytes)
        try reader.execute("COMMIT")
    }

    /// A writer on the gathering VFS with `schema`, and a reader on the default VFS.
    private func gatheringPair(_ schema: String) throws -> (writer: Connection, reader: Connection) {
        var options = Connection.Options()
        options.vfs = try PacedVFS.gathering()
        let writer = try Connection(path: path, options: options)
        try writer.execute(schema)
        return (writer, try Connection(path: path))
    }

    func testTheGatheringVFSWritesCommitsOfEverySizeAndReadersSeeThem() throws {
        let (writer, reader) = try gatheringPair(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER NOT NULL, pad BLOB NOT NULL); CREATE INDEX t_k ON t (k)")
        var expected: Int64 = 0
        // Commits of 1 to ~400 frames: below, at and far above what one write may carry (SQLite's
        // unix VFS writes at most 128 KiB a call), with index pages rewritten within a commit.
        for rows in [1, 3, 30, 31, 32, 100, 400, 2_000, 1, 7] {
            try writer.transaction {
                for _ in 0..<rows {
                    try writer.run("INSERT INTO t (k, pad) VALUES (?, randomblob(700))", [Int64.random(in: 0..<1_000_000)])
                }
            }
            expected += Int64(rows)
            XCTAssertEqual(try reader.scalarInt("SELECT COUNT(*) FROM t"), expected)
            XCTAssertEqual(try reader.scalarInt("SELECT COUNT(*) FROM t INDEXED BY t_k WHERE k >= 0"), expected)
        }
        // A transaction that spills its cache into the WAL before committing, then reads back.
        try writer.execute("PRAGMA cache_size = 10")
        try writer.transaction {
            for _ in 0..<3_000 { try writer.run("INSERT INTO t (k, pad) VALUES (?, randomblob(700))", [Int64.random(in: 0..<1_000_000)]) }
            XCTAssertEqual(try writer.scalarInt("SELECT COUNT(*) FROM t"), expected + 3_000)
        }
        expected += 3_000
        XCTAssertEqual(try reader.scalarInt("SELECT COUNT(*) FROM t"), expected)
        try writer.checkpoint()
        XCTAssertEqual(walBytes(), 0)
        // After the WAL started over, the next commits are found from its start again.
        try writer.run("INSERT INTO t (k, pad) VALUES (1, x'00')")
        XCTAssertEqual(try reader.scalarInt("SELECT COUNT(*) FROM t"), expected + 1)
        XCTAssertEqual(try reader.queryOne("PRAGMA integrity_check") { $0.string(0) }, "ok")
    }

    /// A deferred sync hands the WAL's descriptor over (only on the gathering VFS, only on the
    /// deferring thread, only when asked); the commit is published at once and nothing else changes.
    func testAWALSyncIsDeferredOnlyWhereAsked() throws {
        let (writer, reader) = try gatheringPair("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        XCTAssertEqual(csqlite_pacing_take_deferred_sync(), -1)

        csqlite_pacing_defer_wal_sync(1)
        try writer.run("INSERT INTO t (v) VALUES ('deferred')")
        csqlite_pacing_defer_wal_sync(0)
        let fd = csqlite_pacing_take_deferred_sync()
        XCTAssertGreaterThanOrEqual(fd, 0, "the commit's sync was left to the caller")
        XCTAssertEqual(fdatasync(fd), 0)
        XCTAssertEqual(csqlite_pacing_take_deferred_sync(), -1, "taken once")
        XCTAssertEqual(try reader.scalarInt("SELECT COUNT(*) FROM t"), 1, "the commit is published before its sync")

        // Not asked: SQLite syncs itself.
        try writer.run("INSERT INTO t (v) VALUES ('synced')")
        XCTAssertEqual(csqlite_pacing_take_deferred_sync(), -1)
        // Asked on another thread: this thread's syncs are its own.
        let other = Thread { csqlite_pacing_defer_wal_sync(1) }
        other.start()
        while !other.isFinished { usleep(1_000) }
        try writer.run("INSERT INTO t (v) VALUES ('other thread')")
        XCTAssertEqual(csqlite_pacing_take_deferred_sync(), -1)
        // The paced VFS (the checkpointer's) never defers.
        var options = Connection.Options()
        options.vfs = try PacedVFS.paced()
        let paced = try Connection(path: path, options: options)
        csqlite_pacing_defer_wal_sync(1)
        try paced.run("INSERT INTO t (v) VALUES ('paced')")
        csqlite_pacing_defer_wal_sync(0)
        XCTAssertEqual(csqlite_pacing_take_deferred_sync(), -1)
        XCTAssertEqual(try reader.scalarInt("SELECT COUNT(*) FROM t"), 4)
    }
}
