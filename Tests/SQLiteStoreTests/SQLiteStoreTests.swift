import CSQLite
import Foundation
import XCTest
@testable import SQLiteStore

final class SQLiteStoreTests: DatabaseFileTestCase {
    func testWalAutocheckpointIsSetWhenGiven() throws {
        XCTAssertEqual(try Connection(path: path).scalarInt("PRAGMA wal_autocheckpoint"), 1000, "SQLite's default")
        var options = Connection.Options()
        options.walAutocheckpoint = 5000
        XCTAssertEqual(try Connection(path: path, options: options).scalarInt("PRAGMA wal_autocheckpoint"), 5000)
    }

    func testBindAndReadEveryType() throws {
        let db = try Connection(path: path)
        try db.execute("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n TEXT)")
        try db.run("INSERT INTO t VALUES (?, ?, ?, ?, ?)", [Int64.max, 2.5, "héllo \u{0}x", [UInt8]([0, 1, 255]), Optional<String>.none])
        let row = try db.queryOne("SELECT i, r, s, b, n FROM t") { row in
            (row.int64(0), row.double(1), row.string(2), row.blob(3), row.isNull(4))
        }
        XCTAssertEqual(row?.0, Int64.max)
        XCTAssertEqual(row?.1, 2.5)
        XCTAssertEqual(row?.2, "héllo \u{0}x")
        XCTAssertEqual(row?.3, [0, 1, 255])
        XCTAssertEqual(row?.4, true)
    }

    func testStatementCacheTellsApartTextsWithTheSameLengthAndEnds() throws {
        let db = try Connection(path: path)
        // Same length, same first and last 16 bytes: the key's hash samples only those.
        let a = "SELECT 1 AS value_number_one_here, 'aaaa' AS filler FROM (SELECT 0) AS constant_source"
        let b = "SELECT 2 AS value_number_one_here, 'bbbb' AS filler FROM (SELECT 0) AS constant_source"
        XCTAssertEqual(a.utf8.count, b.utf8.count)
        XCTAssertEqual(try db.scalarInt(a), 1)
        XCTAssertEqual(try db.scalarInt(b), 2)
        XCTAssertEqual(try db.scalarInt(a), 1)
        XCTAssertFalse(try db.cached(a) === db.cached(b))
        XCTAssertTrue(try db.cached(a) === db.cached(String(a.reversed().reversed())))
        XCTAssertEqual(try db.scalarInt("SELECT 3"), 3)  // shorter than the sampled bytes
    }

    /// What `EventOutbox` relies on: a bound `LIKE` pattern makes SQLite compile the statement
    /// again at every binding, a pattern in the SQL never; a schema change recompiles once.
    func testRecompilationsOfCachedStatementsAreCounted() throws {
        let db = try Connection(path: path)
        try db.execute("CREATE TABLE hooks (types TEXT NOT NULL); INSERT INTO hooks VALUES (' a.b c.d ')")
        for _ in 0..<3 { XCTAssertEqual(try db.scalarInt("SELECT COUNT(*) FROM hooks WHERE types LIKE '% a.b %'"), 1) }
        XCTAssertEqual(db.cachedStatementsPreparedAgain, 0)
        for _ in 0..<3 { XCTAssertEqual(try db.scalarInt("SELECT COUNT(*) FROM hooks WHERE types LIKE ?", ["% c.d %"]), 1) }
        XCTAssertEqual(try db.cached("SELECT COUNT(*) FROM hooks WHERE types LIKE ?").timesPreparedAgain, 3)
        try db.execute("CREATE TABLE other (x INTEGER)")
        XCTAssertEqual(try db.scalarInt("SELECT COUNT(*) FROM hooks WHERE types LIKE '% a.b %'"), 1)
        XCTAssertEqual(try db.cached("SELECT COUNT(*) FROM hooks WHERE types LIKE '% a.b %'").timesPreparedAgain, 1)
        XCTAssertEqual(db.cachedStatementsPreparedAgain, 4)
    }

    func testErrorsCarryCodeMessageAndSQL() throws {
        let db = try Connection(path: path)
        try db.execute("CREATE TABLE u (email TEXT UNIQUE)")
        try db.run("INSERT INTO u VALUES (?)", ["a@b"])
        XCTAssertThrowsError(try db.run("INSERT INTO u VALUES (?)", ["a@b"])) { error in
            let sqliteError = error as? SQLiteError
            XCTAssertEqual(sqliteError?.isUniqueViolation, true)
            XCTAssertEqual(sqliteError?.sql, "INSERT INTO u VALUES (?)")
            XCTAssertFalse(sqliteError?.description.contains("a@b") ?? true, "bound values must not leak into errors")
        }
        XCTAssertThrowsError(try db.prepare("SELEKT 1")) { error in
            XCTAssertEqual((error as? SQLiteError)?.code, 1)
        }
    }

    func testTransactionRollsBackOnError() throws {
        let db = try Connection(path: path)
        try db.execute("CREATE TABLE t (x INTEGER)")
        struct Boom: Error {}
        XCTAssertThrowsError(try db.transaction {
            try db.run("INSERT INTO t VALUES (1)")
            throw Boom()
        })
        XCTAssertEqual(try db.scalarInt("SELECT COUNT(*) FROM t"), 0)
        XCTAssertFalse(db.isInTransaction)
    }

    func testWALAndForeignKeysAreOn() throws {
        let db = try Connection(path: path)
        XCTAssertEqual(try db.queryOne("PRAGMA journal_mode") { $0.string(0) }, "wal")
        XCTAssertEqual(try db.scalarInt("PRAGMA foreign_keys"), 1)
        XCTAssertEqual(try db.scalarInt("PRAGMA synchronous"), 2)
    }

    func testMigrationsApplyInOrderOnceAndRefuseNewerDatabases() throws {
        let migrations = [
            Migration(version: 2, name: "b", sql: "ALTER TABLE a ADD COLUMN y INTEGER"),
            Migration(version: 1, name: "a", sql: "CREATE TABLE a (x INTEGER)"),
        ]
        let db = try Connection(path: path)
        XCTAssertEqual(try Migrator(migrations: migrations).migrate(db, now: { 1 }), [1, 2])
        XCTAssertEqual(try Migrator(migrations: migrations).migrate(db, now: { 2 }), [])
        try db.run("INSERT INTO a (x, y) VALUES (1, 2)")
        XCTAssertThrowsError(try Migrator(migrations: [migrations[1]]).migrate(db, now: { 3 })) { error in
            guard case Migrator.Failure.databaseNewerThanBinary(2, 1)? = error as? Migrator.Failure else {
                return XCTFail("unexpected \(error)")
            }
        }
    }

    func testFailedMigrationLeavesNoTrace() throws {
        let db = try Connection(path: path)
        let migrations = [
            Migration(version: 1, name: "ok", sql: "CREATE TABLE a (x INTEGER)"),
            Migration(version: 2, name: "bad", sql: "CREATE TABLE b (x INTEGER); SELEKT;"),
        ]
        XCTAssertThrowsError(try Migrator(migrations: migrations).migrate(db, now: { 1 }))
        XCTAssertEqual(try Migrator(migrations: migrations).appliedVersions(db), [1])
        XCTAssertNil(try db.scalarInt("SELECT 1 FROM sqlite_master WHERE name = 'b'"))
    }

    func testGroupCommitWriterIsolatesFailingJobsAndCommitsTheRest() throws {
        let writer = GroupCommitWriter(connection: try Connection(path: path))
        try writer.sync { db in try db.execute("CREATE TABLE t (x INTEGER UNIQUE)") }
        let group = DispatchGroup()
        let lock = NSLock()
        var failures = 0
        for i in 0..<500 {
            group.enter()
            writer.submit({ db in try db.run("INSERT INTO t VALUES (?)", [i % 250]) }) { result in
                if case .failure = result {
                    lock.lock(); failures += 1; lock.unlock()
                }
                group.leave()
            }
        }
        group.wait()
        XCTAssertEqual(failures, 250)
        XCTAssertEqual(try writer.sync { try $0.scalarInt("SELECT COUNT(*) FROM t") }, 250)
        let stats = writer.statistics
        XCTAssertLessThan(stats.batches, stats.jobs, "jobs that arrive together share a commit")
        writer.close()
        // A stopped writer must answer every submission, with WriterStopped, never drop it.
        let refused = expectation(description: "the stopped writer answers")
        writer.submit({ _ in 1 }) { result in
            guard case .failure(let error) = result, error is WriterStopped else {
                return XCTFail("a stopped writer must refuse work with WriterStopped, got \(result)")
            }
            refused.fulfill()
        }
        wait(for: [refused], timeout: 2)
    }

    func testAFailingJobThatChangedRowsIsUndoneAlone() throws {
        let writer = GroupCommitWriter(connection: try Connection(path: path))
        try writer.sync { db in try db.execute("CREATE TABLE t (x INTEGER)") }
        struct Boom: Error {}
        let group = DispatchGroup()
        let lock = NSLock()
        var outcomes: [Int: Bool] = [:]
        for i in 0..<200 {
            group.enter()
            writer.submit({ db -> Int in
                try db.run("INSERT INTO t VALUES (?)", [i])
                if i % 10 == 3 { throw Boom() }  // fails after writing a row
                return i
            }) { result in
                lock.lock()
                if case .success = result { outcomes[i] = true } else { outcomes[i] = false }
                lock.unlock()
                group.leave()
            }
        }
        group.wait()
        XCTAssertEqual(outcomes.values.filter { !$0 }.count, 20)
        XCTAssertEqual(try writer.sync { try $0.scalarInt("SELECT COUNT(*) FROM t") }, 180)
        XCTAssertEqual(try writer.sync { try $0.scalarInt("SELECT COUNT(*) FROM t WHERE x % 10 = 3") }, 0)
        XCTAssertGreaterThan(writer.statistics.replays, 0)
        writer.close()
    }

    func testCommitObserversHearOfWatchedChangesOnlyAndBeforeAnswers() throws {
        let writer = GroupCommitWriter(connection: try Connection(path: path))
        try writer.sync { db in
            try db.execute("""
                CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT);
                CREATE TABLE events (id INTEGER PRIMARY KEY, account INTEGER);
                CREATE TRIGGER events_touch AFTER INSERT ON events WHEN NEW.account < 0 BEGIN
                    UPDATE accounts SET name = 'touched' WHERE id = -NEW.account;
                END;
                INSERT INTO accounts (id, name) VALUES (1, 'a');
                """)
        }
        final class Counter: @unchecked Sendable {
            let lock = NSLock()
            var value = 0
            func increment() { lock.lock(); value += 1; lock.unlock() }
            func read() -> Int { lock.lock(); defer { lock.unlock() }; return value }
        }
        let heard = Counter()
        try writer.onCommit(changing: ["accounts"], operations: [.update, .delete]) { heard.increment() }
        func heardSoFar() -> Int { heard.read() }

        try writer.sync { try $0.run("INSERT INTO events (account) VALUES (1)") }
        try writer.sync { try $0.run("INSERT INTO accounts (name) VALUES ('b')") }
        XCTAssertEqual(heardSoFar(), 0, "other tables and inserts are not watched")
        // The observer runs before the job is answered: sync returns after it.
        try writer.sync { try $0.run("UPDATE accounts SET name = 'c' WHERE id = 1") }
        XCTAssertEqual(heardSoFar(), 1)
        try writer.sync { try $0.run("INSERT INTO events (account) VALUES (-1)") }
        XCTAssertEqual(heardSoFar(), 2, "changes made by triggers count")
        try writer.sync { try $0.run("DELETE FROM accounts WHERE id = 2") }
        XCTAssertEqual(heardSoFar(), 3)
        try writer.sync { try $0.run("UPDATE accounts SET name = 'd' WHERE id = 999") }
        XCTAssertEqual(heardSoFar(), 3, "a statement that changed no row is not a change")
        writer.close()
    }

    /// The descriptors this process holds on the database's files (the file, its WAL and index).
    func openDescriptors() -> Int {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return entries.filter { ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)")) ?? "").hasPrefix(path) }.count
    }

    /// Closing the writer, its checkpointer and the readers closes every file they opened, even
    /// while something still holds the writer (a caller's hook closes over it, as the app's do):
    /// SQLite keeps the descriptor of each closed connection while another connection of the
    /// process to the same file stays open, so one left open would pin them all.
    func testClosingClosesEveryFileEvenWhileTheWriterIsHeld() throws {
        let setup = try Connection(path: path)
        try setup.execute("CREATE TABLE t (x INTEGER)")
        let checkpointer = try WALCheckpointer(path: path, options: Connection.Options(), window: 4)
        let connection = try Connection(path: path)
        let writer = GroupCommitWriter(connection: connection, checkpointer: checkpointer)
        final class Seen: @unchecked Sendable { var rows = 0 }   // written on the writer thread, read after it stops
        let seen = Seen()
        try writer.onCommittedRows(of: "t") { _, rows in
            seen.rows += rows.count
            _ = writer   // the hook holds the writer, and the writer its connection
        }
        let readers = try ReaderPool(path: path, count: 2)
        for n in 0..<50 { try writer.sync { try $0.run("INSERT INTO t VALUES (?)", [Int64(n)]) } }
        DispatchQueue.concurrentPerform(iterations: 4) { _ in   // threads with connections of their own
            XCTAssertEqual(try? readers.read { try $0.scalarInt("SELECT COUNT(*) FROM t") }, 50)
        }
        XCTAssertGreaterThan(openDescriptors(), 4)
        writer.close()
        readers.close()
        _ = setup   // still open here: closed below, the last
        XCTAssertEqual(seen.rows, 50)
        XCTAssertThrowsError(try connection.execute("SELECT 1")) { XCTAssertEqual(($0 as? SQLiteError)?.code, SQLITE_MISUSE) }
        XCTAssertThrowsError(try connection.prepare("SELECT 1")) { XCTAssertEqual(($0 as? SQLiteError)?.code, SQLITE_MISUSE) }
        // The handle is freed: the counters answer without touching it.
        XCTAssertEqual(connection.changes, 0)
        XCTAssertEqual(connection.totalChanges, 0)
        XCTAssertEqual(connection.lastInsertRowID, 0)
        XCTAssertFalse(connection.isInTransaction)
        setup.close()
        XCTAssertEqual(openDescriptors(), 0, "no descriptor of the database's files is left")
    }

    func testReadersSeeCommittedWrites() throws {
        let database = try Database(path: path, migrations: [Migration(version: 1, name: "t", sql: "CREATE TABLE t (x INTEGER)")],
                                    readers: 2, now: { 0 })
        try database.writer.sync { try $0.run("INSERT INTO t VALUES (42)") }
        XCTAssertEqual(try database.read { try $0.scalarInt("SELECT x FROM t") }, 42)
        XCTAssertThrowsError(try database.read { try $0.run("INSERT INTO t VALUES (1)") }, "readers are read-only")
        database.close()
    }

    func testOnlineBackupCopiesEverything() throws {
        let db = try Connection(path: path)
        try db.execute("CREATE TABLE t (x INTEGER)")
        try db.transaction { for i in 0..<1000 { try db.run("INSERT INTO t VALUES (?)", [i]) } }
        let copy = directory.appendingPathComponent("copy.sqlite").path
        try db.backup(to: copy)
        XCTAssertEqual(try Connection(path: copy).scalarInt("SELECT SUM(x) FROM t"), 499_500)
    }

    /// A new file takes the page size asked for; an existing one keeps its own; a backup copies
    /// between WAL-mode files only at equal sizes, so it takes the source's whatever its own default.
    func testPageSizeIsTakenOnlyByNewFilesAndKeptByBackups() throws {
        var small = Connection.Options()
        small.pageSize = 2_048
        let db = try Connection(path: path, options: small)
        try db.execute("CREATE TABLE t (x INTEGER)")
        try db.transaction { for i in 0..<2000 { try db.run("INSERT INTO t VALUES (?)", [i]) } }
        XCTAssertEqual(try db.scalarInt("PRAGMA page_size"), 2_048)
        var other = Connection.Options()
        other.pageSize = 8_192
        XCTAssertEqual(try Connection(path: path, options: other).scalarInt("PRAGMA page_size"), 2_048)
        XCTAssertEqual(try Connection(path: path).scalarInt("PRAGMA page_size"), 2_048)
        let copy = directory.appendingPathComponent("copy.sqlite").path
        try db.backup(to: copy)
        let restored = try Connection(path: copy)
        XCTAssertEqual(try restored.scalarInt("PRAGMA page_size"), 2_048)
        XCTAssertEqual(try restored.scalarInt("SELECT SUM(x) FROM t"), 1_999_000)
        XCTAssertEqual(try restored.queryOne("PRAGMA integrity_check") { $0.string(0) }, "ok")
    }
}
