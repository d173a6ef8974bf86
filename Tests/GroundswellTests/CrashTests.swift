import Foundation
import SQLiteStore
import TestSupport
import XCTest
@testable import Groundswell

/// Runs the real binary, votes from many threads, kills it with SIGKILL at a random
/// moment, restarts it, and checks that every acknowledged vote survived exactly once.
final class CrashTests: XCTestCase {
    final class Server {
        let process = Process()
        let port: Int

        /// Foundation watches each child through a socket whose far end only the child should
        /// hold; a child spawned on another thread at the same moment can inherit that end too,
        /// and then the first child's exit goes unnoticed until the second exits (nodes started
        /// together, then stopped one by one, waited on each other for ever). One spawn at a time.
        static let spawning = NSLock()

        /// Starts `groundswell serve` on `db` (a file or a PostgreSQL URL), on `port` (0: any free
        /// one), in `directory` (where a PostgreSQL node keeps its own files) with `environment` added.
        init(db: String, port: Int = 0, directory: URL? = nil, environment: [String: String] = [:], rateLimits: Bool = false,
             arguments: [String] = []) throws {
            process.executableURL = TestBinary.url
            process.arguments = ["serve", "--port", String(port), "--db", db, "--admin-token", "crash-admin", "--access-log", "off",
                                 "--rate-limit", rateLimits ? "on" : "off"] + arguments
            if let directory { process.currentDirectoryURL = directory }
            if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            try Server.spawning.withLock { [process] in try process.run() }
            var text = ""
            let deadline = Date().addingTimeInterval(20)
            // The address line, whatever the log printed before it (on a larger file, lines about
            // what was loaded at start-up can come first).
            while text.range(of: #"http://127\.0\.0\.1:\d+\D"#, options: .regularExpression) == nil && Date() < deadline {
                let chunk = pipe.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                text += String(decoding: chunk, as: UTF8.self)
            }
            guard let range = text.range(of: #"http://127\.0\.0\.1:(\d+)"#, options: .regularExpression),
                  let port = Int(text[range].split(separator: ":").last ?? "") else {
                process.terminate()
                throw ClientError("server did not start: \(text)")
            }
            self.port = port
        }

        func kill() {
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        func stop() {
            process.terminate()
            process.waitUntilExit()
        }
    }

    func testAcknowledgedVotesSurviveSIGKILL() throws {
        let total = try votesUnderSIGKILL(runs: 4, arguments: [], pauseEvery: nil, killAfter: 0.01...0.12)
        print("crash test: 4 SIGKILL runs, \(total) acknowledged votes checked")
    }

    /// Votes in bursts with pauses between them, so that after each burst the writer cuts the WAL
    /// file back (nothing kept, a window of 100 pages: the WAL starts over often), and SIGKILL at a
    /// random moment: every acknowledged vote is still there after the restart, once.
    func testAcknowledgedVotesSurviveSIGKILLWhileTheWALFileIsCutBack() throws {
        var returned = 0
        let total = try votesUnderSIGKILL(runs: 4, arguments: ["--wal-keep-mib", "0", "--wal-autocheckpoint", "100"],
                                          pauseEvery: 12, killAfter: 0.3...1.2) { server in
            let metrics = (try? TestClient(port: server.port).get("/metrics", token: "crash-admin").text) ?? ""
            let line = metrics.split(separator: "\n").first { $0.hasPrefix("groundswell_wal_bytes_returned_total ") }
            returned += line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
        }
        print("crash test: 4 SIGKILL runs while the WAL is cut back, \(total) acknowledged votes checked, \(returned) bytes returned")
        XCTAssertGreaterThan(returned, 0, "the WAL file was cut back during the runs")
    }

    /// Creates 24 voters and 200 ideas, then `runs` times: starts the server with `arguments`, votes
    /// from 24 threads (each pausing 150 ms after every `pauseEvery` votes, if given), calls
    /// `beforeKill`, kills the server at a random moment in `killAfter` seconds, restarts it and
    /// checks every acknowledged vote is there once and every count equals its rows. The votes checked.
    private func votesUnderSIGKILL(runs: Int, arguments: [String], pauseEvery: Int?, killAfter: ClosedRange<Double>,
                                   beforeKill: (Server) -> Void = { _ in }) throws -> Int {
        let directory = try scratchDirectory("crash")
        let db = directory.appendingPathComponent("crash.sqlite").path

        var server = try Server(db: db, arguments: arguments)
        let client = TestClient(port: server.port)
        let voters = try (0..<24).map { i -> String in
            try client.post("/users", ["name": "Voter \(i)", "email": "voter\(i)@example.com"]).json["token"] as! String
        }
        let ideas = try (0..<200).map { i -> Int in
            try client.post("/ideas", ["title": "Crash idea \(i)", "description": "d", "category": "c"], token: voters[0]).json["id"] as! Int
        }
        server.stop()

        var acknowledgedTotal = 0
        var generator = SystemRandomNumberGenerator()
        for run in 0..<runs {
            server = try Server(db: db, arguments: arguments)
            let acknowledged = AcknowledgedVotes()
            let stop = StopFlag()
            let group = DispatchGroup()
            for (index, token) in voters.enumerated() {
                group.enter()
                Thread.detachNewThread { [port = server.port] in
                    defer { group.leave() }
                    let client = TestClient(port: port)
                    // Each run votes a different slice of ideas so every 201 is a new row.
                    for offset in 0..<50 where !stop.isSet {
                        let idea = ideas[(run * 50 + offset) % ideas.count]
                        guard let response = try? client.post("/ideas/\(idea)/votes", token: token) else { return }
                        if response.status == 201 { acknowledged.add(idea: idea, voter: index) }
                        if let pauseEvery, offset % pauseEvery == pauseEvery - 1 { Thread.sleep(forTimeInterval: 0.15) }
                    }
                }
            }
            Thread.sleep(forTimeInterval: Double.random(in: killAfter, using: &generator))
            beforeKill(server)
            server.kill()
            stop.set()
            group.wait()
            acknowledgedTotal += acknowledged.count

            // Restart on the same file: everything acknowledged is there, once, and counts equal rows.
            server = try Server(db: db, arguments: arguments)
            let check = try Connection(path: db)
            let userIDs = try check.query("SELECT id FROM users ORDER BY id") { $0.int64(0) }
            for (idea, voter) in acknowledged.all {
                XCTAssertEqual(try check.scalarInt("SELECT COUNT(*) FROM votes WHERE idea_id = ? AND user_id = ?", [idea, userIDs[voter]]), 1,
                               "run \(run): acknowledged vote idea \(idea) voter \(voter) is missing")
            }
            XCTAssertEqual(try check.scalarInt("""
                SELECT COUNT(*) FROM ideas i WHERE i.vote_count != (SELECT COUNT(*) FROM votes v WHERE v.idea_id = i.id)
                """), 0, "counts equal rows after run \(run)")
            XCTAssertEqual(try check.queryOne("PRAGMA integrity_check") { $0.string(0) }, "ok")
            server.stop()
        }
        XCTAssertGreaterThan(acknowledgedTotal, 0)
        return acknowledgedTotal
    }
}

extension CrashTests {
    /// Uploads under SIGKILL: every acknowledged picture is there and whole after the restart;
    /// no row names a missing or partial file, and no temporary or spool file is left.
    func testAcknowledgedUploadsSurviveSIGKILLAndNoPartialFileIsServed() throws {
        let directory = try scratchDirectory("crash-media")
        let db = directory.appendingPathComponent("crash.sqlite").path
        let media = directory.appendingPathComponent("media").path
        var server = try Server(db: db)
        let client = TestClient(port: server.port)
        let authors = try (0..<6).map { i -> (String, [Int]) in
            let token = try client.post("/users", ["name": "Author \(i)", "email": "author\(i)@example.com"]).json["token"] as! String
            let ideas = try (0..<8).map { j in
                try client.post("/ideas", ["title": "Crash picture idea \(i) \(j)", "description": "d", "category": "c"], token: token).json["id"] as! Int
            }
            return (token, ideas)
        }
        server.stop()
        var generator = SystemRandomNumberGenerator()
        var acknowledgedTotal = 0
        for run in 0..<3 {
            server = try Server(db: db)
            let acknowledged = AcknowledgedUploads()
            let stop = StopFlag()
            let group = DispatchGroup()
            for (index, author) in authors.enumerated() {
                group.enter()
                Thread.detachNewThread { [port = server.port] in
                    defer { group.leave() }
                    let client = TestClient(port: port)
                    for n in 0..<3 where !stop.isSet {
                        let picture = MediaFixtures.image(.jpeg, width: 900 + run * 10 + n, height: 700 + index)
                        let body = MediaFixtures.form(file: picture)
                        guard let response = try? client.request("POST", "/ideas/\(author.1[run * 2 + n % 2])/media", body: body, token: author.0,
                                                                  contentType: MediaFixtures.contentType) else { return }
                        if response.status == 201, let url = response.json["url"] as? String { acknowledged.add(url, response.json["bytes"] as? Int ?? 0) }
                    }
                }
            }
            // The kill comes at a random moment after the first upload was acknowledged (on a busy
            // machine none may finish within a fixed fraction of a second, which proves nothing).
            let first = Date().addingTimeInterval(20)
            while acknowledged.all.isEmpty && Date() < first { Thread.sleep(forTimeInterval: 0.005) }
            Thread.sleep(forTimeInterval: Double.random(in: 0.0...0.3, using: &generator))
            server.kill()
            stop.set()
            group.wait()
            acknowledgedTotal += acknowledged.all.count
            server = try Server(db: db)
            let check = TestClient(port: server.port)
            for (url, bytes) in acknowledged.all {
                let file = try check.get(url)
                XCTAssertEqual(file.status, 200, "run \(run): acknowledged \(url) is not served")
                XCTAssertEqual(file.body.count, bytes)
                XCTAssertEqual(Array(file.body.suffix(2)), [0xFF, 0xD9], "whole JPEG")
            }
            // Every row's files are on disk whole; nothing half-written is left.
            let connection = try Connection(path: db)
            let names = try connection.query("SELECT sha256, rendition_sha256 FROM media") { [$0.string(0), $0.string(1)] }.flatMap { $0 }
            for name in names {
                let path = "\(media)/\(name.prefix(2))/\(name).jpg"
                let data = try XCTUnwrap(FileManager.default.contents(atPath: path), "row names a missing file")
                XCTAssertEqual(Array(data.suffix(2)), [0xFF, 0xD9], "row names a partial file")
            }
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: "\(media)/tmp"), [])
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: "\(media)/spool"), [])
            server.stop()
        }
        print("crash test: 3 SIGKILL runs, \(acknowledgedTotal) acknowledged uploads checked")
        XCTAssertGreaterThan(acknowledgedTotal, 0)
    }
}

final class AcknowledgedUploads: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var items: [(String, Int)] = []
    func add(_ url: String, _ bytes: Int) { lock.lock(); items.append((url, bytes)); lock.unlock() }
    var all: [(String, Int)] { lock.lock(); defer { lock.unlock() }; return items }
}

final class AcknowledgedVotes: @unchecked Sendable {
    private let lock = NSLock()
    private var pairs: [(Int, Int)] = []
    func add(idea: Int, voter: Int) { lock.lock(); pairs.append((idea, voter)); lock.unlock() }
    var all: [(Int, Int)] { lock.lock(); defer { lock.unlock() }; return pairs }
    var count: Int { all.count }
}

final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    func set() { lock.lock(); flag = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return flag }
}

extension CrashTests {
    /// The engagement rollup killed with SIGKILL while a window is half written: after the restart
    /// it aggregates the window again, goes on after the last customer written, and ends with exactly
    /// what `groundswell seed`'s bulk import wrote — no customer counted twice, none lost.
    func testARollupWindowCutBySIGKILLResumesWithoutCountingTwice() throws {
        let directory = try scratchDirectory("crash-rollup")
        let db = directory.appendingPathComponent("rollup.sqlite").path
        let (status, output) = try TestBinary.run(["seed", "--db", db, "--users", "30000", "--ideas", "300", "--votes", "90000"])
        XCTAssertEqual(status, 0, output)
        let check = try Connection(path: db)
        let rollup = {
            try check.query("SELECT scope, day, actor, reads, votes, comments, ideas FROM activity_days ORDER BY 1, 2, 3") {
                "\($0.string(0)) \($0.int64(1)) \($0.string(2)) \($0.int64(3)) \($0.int64(4)) \($0.int64(5)) \($0.int64(6))"
            }
        }
        let expected = try rollup()
        XCTAssertGreaterThan(expected.count, 40_000, "more entries than the first write takes")
        // Forget it: the server's scheduler takes the same rows in again, window by window.
        try check.execute("DELETE FROM activity_days; DELETE FROM rollup_marks")
        let serve = ["--engagement-rollup-interval", "1"]
        var server = try Server(db: db, arguments: serve)
        var open = false
        let deadline = Date().addingTimeInterval(60)
        while !open && Date() < deadline {
            open = try check.scalarInt("SELECT value FROM rollup_marks WHERE name = 'window_actor'") != nil
            if !open { Thread.sleep(forTimeInterval: 0.002) }
        }
        server.kill()
        XCTAssertTrue(open, "the scheduler left a window half written")
        let written = Int(try check.scalarInt("SELECT COUNT(*) FROM activity_days") ?? 0)
        XCTAssertGreaterThan(written, 0)
        XCTAssertLessThan(written, expected.count)

        server = try Server(db: db, arguments: serve)
        let lastVote = try check.scalarInt("SELECT MAX(id) FROM votes")
        var caughtUp = false
        while !caughtUp && Date() < deadline {
            caughtUp = try check.scalarInt("SELECT COUNT(*) FROM rollup_marks WHERE name LIKE 'window%'") == 0
                && check.scalarInt("SELECT value FROM rollup_marks WHERE name = 'votes'") == lastVote
            if !caughtUp { Thread.sleep(forTimeInterval: 0.05) }
        }
        server.stop()
        XCTAssertTrue(caughtUp, "the rollup caught up after the restart")
        XCTAssertEqual(try rollup(), expected)
        print("crash test: rollup killed with \(written) of \(expected.count) entries written, resumed to all")
    }
}

extension CrashTests {
    /// The real binary keeps one malloc arena for all its threads (glibc's main heap), unless
    /// `MALLOC_ARENA_MAX` says otherwise: counted from `/proc/<pid>/maps` after the event loop, the
    /// writer and the readers have all allocated at once.
    func testTheServerKeepsOneMallocArenaUnlessTold() throws {
        let directory = try scratchDirectory("arenas")
        for (environment, expectOne) in [([String: String](), true), (["MALLOC_ARENA_MAX": "8"], false)] {
            let db = directory.appendingPathComponent("arenas-\(expectOne).sqlite").path
            let server = try Server(db: db, environment: environment)
            defer { server.stop() }
            let client = TestClient(port: server.port)
            let token = try client.post("/users", ["name": "Ada", "email": "ada@example.com"]).json["token"] as! String
            let idea = try client.post("/ideas", ["title": "Arenas", "description": "d", "category": "c"], token: token).json["id"] as! Int
            let port = server.port
            DispatchQueue.concurrentPerform(iterations: 8) { worker in
                let own = TestClient(port: port)
                for i in 0..<40 {
                    _ = try? own.get(i % 2 == 0 ? "/ideas/\(idea)" : "/ideas?q=arenas")
                    if i % 10 == 0 { _ = try? own.post("/users", ["name": "V\(worker)-\(i)", "email": "v\(worker)-\(i)@example.com"]) }
                }
            }
            let arenas = try CrashTests.mallocArenaHeaps(pid: server.process.processIdentifier)
            if expectOne {
                XCTAssertEqual(arenas, 0, "no heap besides the main one")
            } else {
                XCTAssertGreaterThan(arenas, 0, "MALLOC_ARENA_MAX=8 gives threads arenas of their own")
            }
        }
    }

    /// glibc's arenas other than the main one: anonymous mappings of 64 MiB aligned to 64 MiB
    /// (the part in use readable and writable, the rest reserved without access).
    static func mallocArenaHeaps(pid: Int32) throws -> Int {
        let heap: UInt64 = 64 << 20
        let maps = try String(contentsOfFile: "/proc/\(pid)/maps", encoding: .utf8).split(separator: "\n").map { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            let bounds = fields[0].split(separator: "-").map { UInt64($0, radix: 16) ?? 0 }
            return (start: bounds[0], end: bounds[1], access: String(fields[1]), anonymous: fields.count == 5)
        }
        var count = 0
        for (index, map) in maps.enumerated() where map.anonymous && map.start % heap == 0 && map.access.hasPrefix("rw") {
            let next = index + 1 < maps.count ? maps[index + 1] : nil
            if map.end - map.start == heap
                || (next.map { $0.anonymous && $0.start == map.end && $0.access.hasPrefix("---") && $0.end - map.start == heap } ?? false) {
                count += 1
            }
        }
        return count
    }
}
