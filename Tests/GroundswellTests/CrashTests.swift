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

        init(db: String) throws {
            process.executableURL = TestBinary.url
            process.arguments = ["serve", "--port", "0", "--db", db, "--admin-token", "crash-admin", "--access-log", "off", "--rate-limit", "off"]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            try process.run()
            var text = ""
            let deadline = Date().addingTimeInterval(20)
            while !text.contains("\n") && Date() < deadline {
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
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = directory.appendingPathComponent("crash.sqlite").path

        var server = try Server(db: db)
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
        for run in 0..<4 {
            server = try Server(db: db)
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
                    }
                }
            }
            Thread.sleep(forTimeInterval: Double.random(in: 0.01...0.12, using: &generator))
            server.kill()
            stop.set()
            group.wait()
            acknowledgedTotal += acknowledged.count

            // Restart on the same file: everything acknowledged is there, once, and counts equal rows.
            server = try Server(db: db)
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
        print("crash test: 4 SIGKILL runs, \(acknowledgedTotal) acknowledged votes checked")
        XCTAssertGreaterThan(acknowledgedTotal, 0)
    }
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
