import Foundation
import JSON
import PostgresStore
import Storage
import Synchronization
import TestSupport
import XCTest
@testable import Groundswell

/// Issue 19: three `groundswell serve` processes on one PostgreSQL database behind HAProxy, a
/// vote storm through the balancer while nodes are killed with SIGKILL and started again, and a
/// funding round whose voting closes during the storm. Afterwards, read straight from the
/// database: every acknowledged vote is there once, counts equal rows, no customer went over the
/// daily allowance, and the round was closed exactly once.
final class MultiNodeTests: XCTestCase {
    /// HAProxy in front of the nodes: round robin, health checks every 200 ms, and a request
    /// whose connection was refused is sent to another node (never one already sent: a POST is
    /// not replayed).
    final class Balancer {
        let process = Process()
        let port: Int

        init(nodePorts: [Int], directory: URL) throws {
            port = MultiNodeTests.freePort()
            let servers = nodePorts.enumerated().map { "    server n\($0.offset) 127.0.0.1:\($0.element) check" }.joined(separator: "\n")
            let configuration = """
                global
                    maxconn 4096
                defaults
                    mode http
                    timeout connect 1s
                    timeout client 30s
                    timeout server 30s
                    retries 3
                    option redispatch
                frontend front
                    bind 127.0.0.1:\(port)
                    default_backend nodes
                backend nodes
                    balance roundrobin
                    option httpchk GET /healthz
                    default-server inter 200ms fall 1 rise 1
                \(servers)

                """
            let file = directory.appendingPathComponent("haproxy.cfg")
            try configuration.write(to: file, atomically: true, encoding: .utf8)
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/haproxy")
            process.arguments = ["-f", file.path, "-db"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try CrashTests.Server.spawning.withLock { try process.run() }
        }

        func stop() {
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// One address key for every node, so their keyed address hashes agree.
    static let sharedKey = ["GROUNDSWELL_ADDRESS_KEY": String(repeating: "5a", count: 32)]

    /// A temporary folder (remove it when done) holding one working folder per node, where each
    /// node keeps its own files.
    static func nodeFolders(_ count: Int) throws -> (root: URL, folders: [URL]) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("nodes-\(UUID().uuidString)")
        let folders = try (0..<count).map { index -> URL in
            let folder = root.appendingPathComponent("node\(index)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            return folder
        }
        return (root, folders)
    }

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    func testThreeNodesUnderAVoteStormWithSIGKILLsLoseNothingAndCloseTheRoundOnce() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/sbin/haproxy"), "HAProxy is not installed (make test-deps installs it)")
        let url = try TestPostgres.shared().makeDatabase()
        let (root, folders) = try MultiNodeTests.nodeFolders(3)
        defer { try? FileManager.default.removeItem(at: root) }
        let ports = (0..<3).map { _ in MultiNodeTests.freePort() }
        func start(_ index: Int) throws -> CrashTests.Server {
            try CrashTests.Server(db: url, port: ports[index], directory: folders[index], environment: MultiNodeTests.sharedKey)
        }
        var nodes = try (0..<3).map(start)
        let balancer = try Balancer(nodePorts: ports, directory: root)
        defer {
            balancer.stop()
            for node in nodes { node.stop() }
        }
        let client = TestClient(port: balancer.port)
        let ready = Date().addingTimeInterval(10)
        while (try? client.get("/healthz").status) != 200 && Date() < ready { Thread.sleep(forTimeInterval: 0.1) }

        // Customers, ideas outside rounds, and a round: submissions now, voting from +5 s to +14 s.
        let customers = try (0..<120).map { i -> (id: Int64, token: String) in
            let response = try client.post("/users", ["name": "Voter \(i)", "email": "node-voter\(i)@example.com"])
            XCTAssertEqual(response.status, 201, response.text)
            return (Int64(response.json["id"] as! Int), response.json["token"] as! String)
        }
        let open = try (0..<40).map { i -> Int in
            try client.post("/ideas", ["title": "Node idea \(i)", "description": "d", "category": "c"], token: customers[i].token).json["id"] as! Int
        }
        let now = Date().timeIntervalSince1970
        func at(_ seconds: Double) -> String { Timestamp.string(Int64((now + seconds) * 1000)) }
        let created = try client.post("/admin/rounds", [
            "name": "Storm round", "submissions_open_at": at(-1), "submissions_close_at": at(5),
            "voting_opens_at": at(5), "voting_closes_at": at(14), "categories": ["community"], "votes_per_user_per_day": 3,
            "mode": "tiers", "tiers": [["name": "5K", "amount": 5000, "winners": 2]],
        ], token: "crash-admin")
        XCTAssertEqual(created.status, 201, created.text)
        let roundID = created.json["id"] as! Int
        let entries = try (0..<6).map { i -> Int in
            let entry = try client.post("/ideas", ["title": "Round entry \(i)", "description": "d", "category": "community",
                                                   "round_id": roundID, "tier": "5K"], token: customers[20 + i].token)
            XCTAssertEqual(entry.status, 201, entry.text)
            return entry.json["id"] as! Int
        }
        Thread.sleep(until: Date(timeIntervalSince1970: now + 5.2))

        // The storm: 12 clients through the balancer, until two seconds after voting closes.
        let acknowledged = AcknowledgedVotes()
        let outcomes = Outcomes()
        let stop = StopFlag()
        let group = DispatchGroup()
        let targets = open + entries
        for _ in 0..<12 {
            group.enter()
            Thread.detachNewThread { [port = balancer.port] in
                defer { group.leave() }
                let client = TestClient(port: port)
                var generator = SystemRandomNumberGenerator()
                while !stop.isSet {
                    let voter = Int.random(in: 0..<customers.count, using: &generator)
                    let idea = targets.randomElement(using: &generator)!
                    let status = (try? client.post("/ideas/\(idea)/votes", token: customers[voter].token).status) ?? 0
                    outcomes.add(status)
                    if status == 201 { acknowledged.add(idea: idea, voter: voter) }
                }
            }
        }
        // Kill a node every 1.5 s and start it again half a second later.
        var generator = SystemRandomNumberGenerator()
        var kills = 0
        while Date().timeIntervalSince1970 < now + 16 {
            Thread.sleep(forTimeInterval: 1.5)
            let victim = Int.random(in: 0..<3, using: &generator)
            nodes[victim].kill()
            kills += 1
            Thread.sleep(forTimeInterval: 0.5)
            nodes[victim] = try start(victim)
        }
        stop.set()
        group.wait()

        // Some node's scheduler closes the round (within a few seconds of voting's end).
        let deadline = Date().addingTimeInterval(15)
        while (try? client.get("/rounds/\(roundID)").json["state"] as? String) != "closed" && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.2)
        }
        XCTAssertEqual(try client.get("/rounds/\(roundID)").json["state"] as? String, "closed")
        print("multi-node test: \(kills) SIGKILLs, \(acknowledged.count) acknowledged votes, statuses \(outcomes.summary)")
        XCTAssertGreaterThan(acknowledged.count, 100)

        let db = SQLConnection(try PostgresConnection(url: url))
        for (idea, voter) in acknowledged.all {
            XCTAssertEqual(try db.scalarInt("SELECT COUNT(*) FROM votes WHERE idea_id = ? AND user_id = ?", [idea, customers[voter].id]), 1,
                           "acknowledged vote of customer \(voter) for idea \(idea)")
        }
        XCTAssertEqual(try db.scalarInt("""
            SELECT COUNT(*) FROM ideas i WHERE i.vote_count != (SELECT COUNT(*) FROM votes v WHERE v.idea_id = i.id AND v.round_id IS i.round_id)
            """), 0, "idea counts equal rows")
        XCTAssertEqual(try db.scalarInt("SELECT COUNT(*) FROM rounds r WHERE r.vote_count != (SELECT COUNT(*) FROM votes v WHERE v.round_id = r.id)"), 0,
                       "the round's count equals rows")
        XCTAssertEqual(try db.scalarInt("""
            SELECT COUNT(*) FROM (SELECT user_id FROM votes WHERE round_id = ? GROUP BY user_id, vote_day HAVING COUNT(*) > 3) x
            """, [roundID]), 0, "nobody over the daily allowance")
        XCTAssertEqual(try db.scalarInt("SELECT COUNT(*) FROM round_results WHERE round_id = ?", [roundID]), Int64(entries.count), "one result per entry")
        XCTAssertEqual(try db.scalarInt("SELECT COUNT(*) FROM awards WHERE round_id = ?", [roundID]), 2, "the two awards, once")
        // Each author hears once that the idea was entered and once how it did at the close.
        XCTAssertEqual(try db.scalarInt("""
            SELECT COUNT(*) FROM notifications WHERE kind = 'round_result' AND payload LIKE '%"outcome":"%won"%'
            """), Int64(entries.count), "each author told the outcome once")
    }
}

extension MultiNodeTests {
    /// What one node writes, another shows at once: its cached listing and search results give
    /// way, and its live stream of an idea carries the other node's votes (LISTEN/NOTIFY).
    func testAnotherNodesCommitsReachThisNodesCachesAndLiveStreams() throws {
        let url = try TestPostgres.shared().makeDatabase()
        let (root, folders) = try MultiNodeTests.nodeFolders(2)
        defer { try? FileManager.default.removeItem(at: root) }
        let a = try CrashTests.Server(db: url, directory: folders[0])
        let b = try CrashTests.Server(db: url, directory: folders[1])
        defer { a.stop(); b.stop() }
        let onA = TestClient(port: a.port), onB = TestClient(port: b.port)
        let token = try onA.post("/users", ["name": "Ann", "email": "ann@example.com"]).json["token"] as! String
        let first = try onA.post("/ideas", ["title": "Reusable cups", "description": "Bring your own cup.", "category": "c"], token: token).json["id"] as! Int
        // Node A caches its listing and a search; node B adds an idea; A shows it.
        XCTAssertEqual((try onA.get("/ideas").json["items"] as? [Any])?.count, 1)
        XCTAssertEqual((try onA.get("/ideas?q=cups").json["items"] as? [Any])?.count, 1)
        XCTAssertEqual(try onB.post("/ideas", ["title": "Paper cups", "description": "Compostable cups.", "category": "c"], token: token).status, 201)
        let deadline = Date().addingTimeInterval(3)
        while (try onA.get("/ideas").json["items"] as? [Any])?.count != 2 && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        XCTAssertEqual((try onA.get("/ideas").json["items"] as? [Any])?.count, 2, "A's cached listing gave way to B's commit")
        XCTAssertEqual((try onA.get("/ideas?q=cups").json["items"] as? [Any])?.count, 2, "and its cached search")
        // A live stream on A sees a vote cast on B.
        let stream = try LiveEventsTests.EventReader(port: a.port, path: "/ideas/\(first)/events")
        XCTAssertEqual(stream.events(within: 2, enough: 1).count, 1, "the current state first")
        XCTAssertEqual(try onB.post("/ideas/\(first)/votes", token: token).status, 201)
        let events = stream.events(within: 3, enough: 2)
        XCTAssertEqual(events.count, 2, "the vote on B reached the stream on A")
        XCTAssertTrue(events.last?.data.contains("\"votes\":1") ?? false, events.last?.data ?? "")

        // One Idempotency-Key sent to both nodes at once, ten times over: one idea each time;
        // each answer is the first response (201, replayed or not) or 409 while the first runs.
        for round in 0..<10 {
            let statuses = Outcomes()
            let ids = Outcomes()
            let group = DispatchGroup()
            for port in [a.port, b.port] {
                group.enter()
                Thread.detachNewThread {
                    defer { group.leave() }
                    let response = try? TestClient(port: port).request("POST", "/ideas", json: ["title": "Twice sent \(round)", "description": "d", "category": "c"],
                                                                          token: token, headers: [("Idempotency-Key", "both-\(round)")])
                    statuses.add(response?.status ?? 0)
                    if response?.status == 201 { ids.add(response?.json["id"] as? Int ?? -1) }
                }
            }
            group.wait()
            XCTAssertEqual(try SQLConnection(try PostgresConnection(url: url)).scalarInt("SELECT COUNT(*) FROM ideas WHERE title = ?", ["Twice sent \(round)"]), 1,
                           "round \(round): statuses \(statuses.summary)")
            XCTAssertTrue(statuses.summary.split(separator: ",").allSatisfy { $0.contains("201") || $0.contains("409") }, statuses.summary)
            XCTAssertLessThanOrEqual(ids.distinct, 1, "both 201s name the same idea")
        }
    }
}

extension MultiNodeTests {
    /// Three nodes started at the same moment on an empty database: the migrations are applied
    /// once, the admin is made once, every node serves.
    func testNodesStartingTogetherOnAnEmptyDatabase() throws {
        let url = try TestPostgres.shared().makeDatabase()
        let (root, folders) = try MultiNodeTests.nodeFolders(3)
        defer { try? FileManager.default.removeItem(at: root) }
        let started = StartedNodes()
        let group = DispatchGroup()
        for (index, folder) in folders.enumerated() {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                started.set(index, Result { try CrashTests.Server(db: url, directory: folder) })
            }
        }
        group.wait()
        let nodes = try (0..<3).map { try started.get($0) }
        defer {
            // All asked to stop before any is waited for.
            for node in nodes { node.process.terminate() }
            for node in nodes { node.process.waitUntilExit() }
        }
        for node in nodes {
            XCTAssertEqual(try TestClient(port: node.port).get("/admin/staff", token: "crash-admin").status, 200)
        }
        let db = SQLConnection(try PostgresConnection(url: url))
        XCTAssertEqual(try db.scalarInt("SELECT COUNT(*) FROM staff"), 1, "one admin")
        XCTAssertEqual(try db.scalarInt("SELECT COUNT(*) FROM schema_migrations"), Int64(EmbeddedPostgresMigrations.all.count))
    }
}

extension MultiNodeTests {
    /// Rate limits across nodes: each node keeps its share (1/N) of every bucket, so sign-ups
    /// from one address spread over two nodes are held to about what one node allows (30 at once).
    func testTwoNodesShareTheRateLimits() throws {
        let url = try TestPostgres.shared().makeDatabase()
        let (root, folders) = try MultiNodeTests.nodeFolders(2)
        defer { try? FileManager.default.removeItem(at: root) }
        let nodes = try folders.map { try CrashTests.Server(db: url, directory: $0, environment: MultiNodeTests.sharedKey, rateLimits: true) }
        defer { for node in nodes { node.stop() } }
        Thread.sleep(forTimeInterval: 2.5)  // each node counts the others about once a second
        var created = 0
        for attempt in 0..<60 {
            let response = try TestClient(port: nodes[attempt % 2].port).post("/users", ["name": "N", "email": "share\(attempt)@example.com"])
            if response.status == 201 { created += 1 } else { XCTAssertEqual(response.status, 429, response.text) }
        }
        XCTAssertLessThanOrEqual(created, 31, "two nodes together allow about one node's 30")
        XCTAssertGreaterThanOrEqual(created, 28)
    }
}

/// Nodes started on other threads. `@unchecked Sendable`: the dictionary is guarded by `lock`.
final class StartedNodes: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Int: Result<CrashTests.Server, Error>] = [:]
    func set(_ index: Int, _ result: Result<CrashTests.Server, Error>) { lock.lock(); results[index] = result; lock.unlock() }
    func get(_ index: Int) throws -> CrashTests.Server { lock.lock(); defer { lock.unlock() }; return try results[index]!.get() }
}

/// Response statuses seen during the storm (0: no response, the node died mid-request).
final class Outcomes: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [Int: Int] = [:]
    func add(_ status: Int) { lock.lock(); counts[status, default: 0] += 1; lock.unlock() }
    var distinct: Int { lock.lock(); defer { lock.unlock() }; return counts.count }
    var summary: String { lock.lock(); defer { lock.unlock() }; return counts.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") }
}
