import Foundation
import PostgresStore
import Synchronization
import TestSupport
import XCTest

/// The libpq wrapper against a real PostgreSQL (a throw-away cluster on a loopback port).
final class PostgresStoreTests: XCTestCase {
    var url = ""

    override func setUpWithError() throws {
        url = try TestPostgres.shared().makeDatabase()
    }

    func testValuesAreBoundNeverSpliced() throws {
        let db = try PostgresConnection(url: url)
        try db.execute("CREATE TABLE notes (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL, n BIGINT, ok BOOLEAN, x DOUBLE PRECISION)")
        let hostile = "'); DROP TABLE notes; --"
        let korean = "재활용 컵을 도입해 주세요 ☕"
        for (body, n) in [(hostile, Int64.max), (korean, Int64.min), ("", 0)] {
            try db.run("INSERT INTO notes (body, n, ok, x) VALUES ($1, $2, $3, $4)", [body, n, true, 0.1])
        }
        try db.run("INSERT INTO notes (body, n, ok, x) VALUES ($1, $2, $3, $4)", ["null", PostgresNull(), Optional<Bool>.none, Optional<Double>.none])
        let rows = try db.query("SELECT body, n, ok, x FROM notes ORDER BY id") { row in
            (row.string(0), row.optionalInt64(1), row.isNull(2) ? nil : row.bool(2), row.isNull(3) ? nil : row.double(3))
        }
        XCTAssertEqual(rows.map(\.0), [hostile, korean, "", "null"])
        XCTAssertEqual(rows.map(\.1), [Int64.max, Int64.min, 0, nil])
        XCTAssertEqual(rows.map(\.2), [true, true, true, nil])
        XCTAssertEqual(rows[0].3, 0.1)
        XCTAssertEqual(try db.scalarInt("SELECT COUNT(*) FROM notes WHERE body = $1", [korean]), 1)
    }

    func testEachStatementIsPreparedOncePerConnection() throws {
        let db = try PostgresConnection(url: url)
        for i in 0..<100 { XCTAssertEqual(try db.scalarInt("SELECT $1::bigint + 1", [Int64(i)]), Int64(i + 1)) }
        XCTAssertEqual(db.preparedCount, 1)
        XCTAssertEqual(try db.scalarInt("SELECT COUNT(*) FROM pg_prepared_statements"), 2, "that one and this count")
    }

    func testErrorsCarryTheSQLStateAndNeverTheValues() throws {
        let db = try PostgresConnection(url: url)
        try db.execute("CREATE TABLE people (email TEXT PRIMARY KEY)")
        try db.run("INSERT INTO people VALUES ($1)", ["secret@example.com"])
        XCTAssertThrowsError(try db.run("INSERT INTO people VALUES ($1)", ["secret@example.com"])) { error in
            let failure = error as! PostgresError
            XCTAssertEqual(failure.sqlState, "23505")
            XCTAssertTrue(failure.isUniqueViolation)
            XCTAssertFalse(String(describing: failure).contains("secret@example.com"),
                           "the primary message only: the server's detail line would quote the value")
        }
        XCTAssertThrowsError(try db.query("SELEC 1")) { XCTAssertEqual(($0 as! PostgresError).sqlState, "42601") }
        XCTAssertThrowsError(try db.query("SELECT * FROM missing_table")) { XCTAssertEqual(($0 as! PostgresError).sqlState, "42P01") }
        // The connection still works after errors.
        XCTAssertEqual(try db.scalarInt("SELECT 41 + $1::int", [1]), 42)
    }

    func testTransactionsCommitOrRollBackWhole() throws {
        let db = try PostgresConnection(url: url)
        try db.execute("CREATE TABLE t (n INT)")
        struct Boom: Error {}
        XCTAssertThrowsError(try db.transaction {
            try db.run("INSERT INTO t VALUES (1)")
            throw Boom()
        })
        try db.transaction(.serializable) { try db.run("INSERT INTO t VALUES (2)") }
        XCTAssertEqual(try db.query("SELECT n FROM t") { $0.int64(0) }, [2])
    }

    /// Many executions in one pipeline: every row written, NULLs in any pattern, the rows changed
    /// counted; a failure in the middle is thrown with its SQLSTATE and nothing of that pipeline
    /// stays (in a transaction or in the implicit one up to the sync); the connection still works.
    func testPipelinedRunsWriteEveryRowOrNone() throws {
        let db = try PostgresConnection(url: url)
        try db.execute("CREATE TABLE p (id BIGINT PRIMARY KEY, body TEXT, n BIGINT)")
        let insert = "INSERT INTO p (id, body, n) VALUES ($1, $2, $3)"
        let rows = (1...2500).map { i -> [PostgresParameter] in
            let body: PostgresParameter = i % 3 == 0 ? .null : .text("row \(i) 한국어")
            let n: PostgresParameter = i % 5 == 0 ? .null : .int(Int64(2 * i))
            return [.int(Int64(i)), body, n]
        }
        XCTAssertEqual(try db.runPipelined(insert, rows: rows), 2500)
        XCTAssertEqual(try db.scalarInt("SELECT COUNT(*) FROM p"), 2500)
        XCTAssertEqual(try db.scalarInt("SELECT COUNT(*) FROM p WHERE body IS NULL"), 833)
        XCTAssertEqual(try db.scalarInt("SELECT SUM(n) FROM p"), 5_000_000)
        XCTAssertEqual(try db.query("SELECT body FROM p WHERE id = 2") { $0.string(0) }, ["row 2 한국어"])
        XCTAssertEqual(try db.runPipelined(insert, rows: []), 0)
        XCTAssertEqual(try db.runPipelined("UPDATE p SET n = 0 WHERE id = $1", rows: [[.int(1)], [.int(2)], [.int(9999)]]), 2)

        let clash: [[PostgresParameter]] = [[.int(3001), .text("a"), .null], [.int(1), .text("b"), .null], [.int(3003), .text("c"), .null]]
        XCTAssertThrowsError(try db.transaction { try db.runPipelined(insert, rows: clash) }) {
            XCTAssertEqual(($0 as? PostgresError)?.sqlState, "23505")
        }
        XCTAssertThrowsError(try db.runPipelined(insert, rows: clash)) { XCTAssertEqual(($0 as? PostgresError)?.sqlState, "23505") }
        XCTAssertEqual(try db.scalarInt("SELECT COUNT(*) FROM p"), 2500)
        XCTAssertEqual(try db.scalarInt("SELECT 41 + $1::int", [1]), 42)
        try db.transaction { try db.runPipelined(insert, rows: [[.int(3001), .text("a"), .null]]) }
        XCTAssertEqual(try db.scalarInt("SELECT COUNT(*) FROM p"), 2501)

        // A proxy's DISCARD ALL drops the prepared statements: the pipeline fails once, names the
        // cause, and the next one prepares them again.
        try db.execute("DEALLOCATE ALL")
        XCTAssertThrowsError(try db.runPipelined(insert, rows: [[.int(4001), .text("d"), .int(1)]])) {
            XCTAssertEqual(($0 as? PostgresError)?.sqlState, "26000")
        }
        XCTAssertEqual(try db.runPipelined(insert, rows: [[.int(4001), .text("d"), .int(1)]]), 1)
    }

    /// COPY FROM STDIN in blocks; a failing producer cancels the copy and leaves no rows.
    func testCopyInStreamsRowsAndCancelsOnError() throws {
        let db = try PostgresConnection(url: url)
        try db.execute("CREATE TABLE c (id BIGINT PRIMARY KEY, body TEXT, data BYTEA)")
        let rows = try db.copyIn("COPY c (id, body, data) FROM STDIN") { send in
            try send(Array("1\ttab\\there\\nline \\\\ 한국어\t\\\\x00ff\n".utf8))
            try send(Array("2\t\\N\t\\N\n".utf8))
        }
        XCTAssertEqual(rows, 2)
        let back = try db.query("SELECT body, encode(data, 'hex') FROM c ORDER BY id") { ($0.optionalString(0), $0.optionalString(1)) }
        XCTAssertEqual(back.map(\.0), ["tab\there\nline \\ 한국어", nil])
        XCTAssertEqual(back.map(\.1), ["00ff", nil])
        struct Stop: Error {}
        XCTAssertThrowsError(try db.copyIn("COPY c (id, body, data) FROM STDIN") { send in
            try send(Array("3\tx\t\\N\n".utf8))
            throw Stop()
        }) { XCTAssertTrue($0 is Stop) }
        XCTAssertEqual(try db.scalarInt("SELECT COUNT(*) FROM c"), 2, "the cancelled copy left nothing")
        XCTAssertThrowsError(try db.copyIn("COPY c (id, body, data) FROM STDIN") { send in try send(Array("1\tdup\t\\N\n".utf8)) }) {
            XCTAssertEqual(($0 as? PostgresError)?.sqlState, "23505")
        }
        XCTAssertThrowsError(try db.copyIn("COPY missing FROM STDIN") { _ in }) { XCTAssertEqual(($0 as? PostgresError)?.sqlState, "42P01") }
        XCTAssertEqual(try db.scalarInt("SELECT 1"), 1, "the connection still works")
    }

    func testAConnectionThatCannotBeMadeSaysWhy() {
        XCTAssertThrowsError(try PostgresConnection(url: "postgres://groundswell@127.0.0.1:1/nothing")) { error in
            let failure = error as! PostgresError
            XCTAssertEqual(failure.sqlState, "08001")
            XCTAssertTrue(failure.message.contains("127.0.0.1"), failure.message)
        }
    }

    /// Eight threads through a pool of three: increments under row locks are exact, the pool
    /// never opens more than its size, and a serialization failure is retried.
    func testThePoolLendsAtMostItsSizeAndConcurrentUpdatesAreExact() throws {
        let pool = PostgresPool(url: url, size: 3)
        try pool.withConnection { db in
            try db.execute("CREATE TABLE counter (id INT PRIMARY KEY, n BIGINT NOT NULL); INSERT INTO counter VALUES (1, 0), (2, 0)")
        }
        let failures = Mutex(0)
        let most = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<25 {
                do {
                    try pool.transaction { db in
                        try db.run("UPDATE counter SET n = n + 1 WHERE id = 1")
                    }
                    try pool.transaction(.serializable) { db in
                        let n = try db.scalarInt("SELECT n FROM counter WHERE id = 2") ?? 0
                        try db.run("UPDATE counter SET n = $1 WHERE id = 2", [n + 1])
                    }
                    most.withLock { $0 = max($0, pool.openCount) }
                } catch {
                    failures.withLock { $0 += 1 }
                }
            }
        }
        let counts = try pool.withConnection { db in try db.query("SELECT n FROM counter ORDER BY id") { $0.int64(0) } }
        XCTAssertEqual(counts[0], 200, "row locks: every increment once")
        XCTAssertEqual(counts[1] + Int64(failures.withLock { $0 }), 200, "serializable: every committed increment once, the rest reported")
        XCTAssertLessThanOrEqual(most.withLock { $0 }, 3)
        let backends = try pool.withConnection { db in
            try db.scalarInt("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()")
        }
        XCTAssertLessThanOrEqual(backends ?? 99, 3)
    }
}
