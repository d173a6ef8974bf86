import Foundation
import Logging
import TestSupport
import Synchronization
import XCTest
@testable import Groundswell
@testable import HTTPServer
import SQLiteStore
import Storage
import PostgresStore

/// A clock tests can move.
final class TestClock: Clock, @unchecked Sendable {
    private let lock = NSLock()
    private var now: Int64
    init(_ now: Int64 = 1_790_000_000_000) { self.now = now }
    func nowMillis() -> Int64 { lock.lock(); defer { lock.unlock() }; return now }
    func advance(millis: Int64) { lock.lock(); now += millis; lock.unlock() }
    func set(_ millis: Int64) { lock.lock(); now = millis; lock.unlock() }
}

/// The real service on a loopback port over a real SQLite file in a temp directory — or, when
/// `GROUNDSWELL_TEST_ENGINE=postgres`, over a fresh database of the test PostgreSQL cluster
/// (`make test` runs the service tests both ways).
final class TestService {
    /// The engine the service tests run on in this process.
    static let engine: SQLEngine = ProcessInfo.processInfo.environment["GROUNDSWELL_TEST_ENGINE"] == "postgres" ? .postgres : .sqlite
    /// The PostgreSQL database, when the engine is PostgreSQL.
    let postgresURL: String?
    let directory: URL
    let clock: TestClock?
    var app: GroundswellApp!
    var server: Server!
    var port = 0
    var maxBody = 1 << 20
    let adminToken = "test-admin-token"
    var trustProxy = false
    var rateLimits = RateLimits()
    /// Server settings a test may change before `start()` (or a `restart()`).
    var serverConfiguration = ServerConfiguration()
    var environment: [String: String] = [:]
    var maxStreamsPerClient = 32
    /// `AppConfiguration.votePrefetchMinimumBytes` (nil: the default, 1 GiB, which no test file reaches).
    var votePrefetchMinimumBytes: Int64?
    /// Pictures: limits and quota (tests lower them).
    var media = MediaSettings()
    /// Extra routes a test needs, added before the server starts.
    var extraRoutes: ((GroundswellApp) -> Void)?

    /// Loopback is limited like any peer in production; most tests sign up many customers
    /// from 127.0.0.1, so they exempt it (tests of the limits pass `exemptLoopback: false`).
    init(clock: TestClock? = nil, trustProxy: Bool = false, rateLimits: RateLimits = RateLimits(),
         exemptLoopback: Bool = true) throws {
        self.clock = clock
        self.trustProxy = trustProxy
        self.rateLimits = rateLimits
        if exemptLoopback && self.rateLimits.exempt.isEmpty {
            self.rateLimits.exempt = [AddressRange("127.0.0.0/8")!, AddressRange("::1")!]
        }
        serverConfiguration.port = 0
        serverConfiguration.loopCount = 2
        serverConfiguration.shutdownGrace = 2
        serverConfiguration.maxConnectionsPerAddress = 1024
        postgresURL = TestService.engine == .postgres ? try TestPostgres.shared().makeDatabase() : nil
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("groundswell-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try start()
    }

    var databasePath: String { directory.appendingPathComponent("groundswell.sqlite").path }

    func start() throws {
        var logger = Logger(label: "test")
        logger.logLevel = .error
        var configuration = AppConfiguration(databasePath: databasePath)
        configuration.postgresURL = postgresURL
        configuration.adminToken = adminToken
        if let clock { configuration.clock = clock }
        configuration.trustProxy = trustProxy
        configuration.rateLimits = rateLimits
        configuration.environment = environment
        configuration.maxStreamsPerClient = maxStreamsPerClient
        if let votePrefetchMinimumBytes { configuration.votePrefetchMinimumBytes = votePrefetchMinimumBytes }
        configuration.media = media
        app = try GroundswellApp(configuration: configuration, logger: logger)
        extraRoutes?(app)
        var serverConfiguration = self.serverConfiguration
        serverConfiguration.limits.maxBodyBytes = maxBody
        serverConfiguration.limits.spool = app.spoolPolicy
        server = Server(configuration: serverConfiguration, responder: app.responder, logger: logger)
        server.observer = app.context.httpMetrics
        port = try server.start()
    }

    func stop() {
        server?.shutdown()
        app?.close()
        server = nil
        app = nil
    }

    func restart() throws {
        stop()
        try start()
    }

    func client() -> TestClient { TestClient(port: port) }

    /// A direct look at the database (SQL in the stores' dialect).
    func scalar(_ sql: String, _ values: [SQLiteBindable] = []) throws -> Int64? {
        try connection().scalarInt(sql, values)
    }

    /// A connection of its own to the service's database, whichever the engine.
    func connection() throws -> SQLConnection {
        if let postgresURL { return SQLConnection(try PostgresConnection(url: postgresURL)) }
        return SQLConnection(try Connection(path: databasePath))
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Shared steps for end-to-end tests.
class ServiceTestCase: XCTestCase {
    var service: TestService!
    var client: TestClient!
    var clock: TestClock? { nil }
    var trustProxy: Bool { false }

    override func setUpWithError() throws {
        service = try TestService(clock: clock, trustProxy: trustProxy)
        client = service.client()
    }

    override func tearDown() {
        if let service, service.app != nil { assertCountsMatchRows(service) }
        service = nil
    }

    /// Occupies a background thread (`submit`: its queue) with a job that holds it until the
    /// returned closure is called, for tests that check which work waits there and which does not.
    func occupy(_ submit: (@escaping @Sendable () throws -> Response) -> Reply,
                file: StaticString = #filePath, line: UInt = #line) -> () -> Void {
        let release = DispatchSemaphore(value: 0), started = DispatchSemaphore(value: 0)
        _ = submit {
            started.signal()
            release.wait()
            return Response(status: .noContent, contentType: nil)
        }
        XCTAssertEqual(started.wait(timeout: .now() + 10), .success, "the thread took the job", file: file, line: line)
        return { release.signal() }
    }

    /// Every test ends by checking what the vote ledger and the delete triggers keep:
    /// each idea's count, reach time and trending score, and each round's count, agree
    /// with the vote rows of the idea's current context.
    func assertCountsMatchRows(_ service: TestService, file: StaticString = #filePath, line: UInt = #line) {
        let checks = [
            ("idea counts", "SELECT COUNT(*) FROM ideas i WHERE i.vote_count != (SELECT COUNT(*) FROM votes v WHERE v.idea_id = i.id AND v.round_id IS i.round_id)"),
            ("reach times", "SELECT COUNT(*) FROM ideas i WHERE i.last_vote_id IS NOT (SELECT MAX(v.id) FROM votes v WHERE v.idea_id = i.id AND v.round_id IS i.round_id)"),
            ("trending", "SELECT COUNT(*) FROM ideas i WHERE (i.vote_count = 0) != (i.trend <= -1e8)"),
            ("round counts", "SELECT COUNT(*) FROM rounds r WHERE r.vote_count != (SELECT COUNT(*) FROM votes v WHERE v.round_id = r.id)"),
        ]
        for (name, sql) in checks {
            XCTAssertEqual(try service.scalar(sql), 0, "\(name) disagree with the vote rows", file: file, line: line)
        }
    }

    /// Numbers sign-up emails; tests of one class run one after another, the lock keeps it honest.
    private static let counter = Mutex(0)

    /// Signs up a new customer and returns (id, token).
    @discardableResult
    func signUp(_ name: String = "Ann", file: StaticString = #filePath, line: UInt = #line) throws -> (id: Int, token: String) {
        let number = ServiceTestCase.counter.withLock { $0 += 1; return $0 }
        let response = try client.post("/users", ["name": name, "email": "user\(number)-\(UUID().uuidString.prefix(8))@example.com"])
        XCTAssertEqual(response.status, 201, response.text, file: file, line: line)
        return (response.json["id"] as! Int, response.json["token"] as! String)
    }

    @discardableResult
    func createIdea(_ token: String, title: String = "Oat milk everywhere", description: String = "Offer oat milk in every store.",
                    category: String = "drinks", file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let response = try client.post("/ideas", ["title": title, "description": description, "category": category], token: token)
        XCTAssertEqual(response.status, 201, response.text, file: file, line: line)
        return response.json
    }

    /// Runs `request` once per element, each on its own thread with its own connection, all at
    /// once; returns the statuses (-1 for a transport failure).
    func concurrently<T: Sendable>(_ items: [T], timeout: Double = 10,
                                   _ request: @escaping @Sendable (TestClient, T) throws -> ClientResponse) -> [Int] {
        let results = ConcurrentResults()
        let group = DispatchGroup()
        let port = service.port
        for item in items {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                results.add((try? request(TestClient(port: port, timeout: timeout), item))?.status ?? -1)
            }
        }
        group.wait()
        return results.statuses
    }

    func assertError(_ response: ClientResponse, _ status: Int, _ code: String, mentioning field: String? = nil,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(response.status, status, response.text, file: file, line: line)
        XCTAssertEqual(response.errorCode, code, response.text, file: file, line: line)
        XCTAssertEqual(response.header("content-type"), "application/json; charset=utf-8", file: file, line: line)
        if let field {
            let message = (response.json["error"] as? [String: Any])?["message"] as? String ?? ""
            XCTAssertTrue(message.contains(field), "message '\(message)' should name \(field)", file: file, line: line)
        }
    }
}

extension XCTestCase {
    /// A new directory under the system's temporary one (`prefix`-UUID), removed when the test ends.
    func scratchDirectory(_ prefix: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        return directory
    }
}

/// The `groundswell` executable built next to the test bundle (make test builds it first).
enum TestBinary {
    static var url: URL {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        var directory = bundle.deletingLastPathComponent()
        if bundle.pathExtension != "xctest" {
            directory = Bundle.allBundles.first { $0.bundlePath.hasSuffix(".xctest") }?.bundleURL.deletingLastPathComponent() ?? directory
        }
        return directory.appendingPathComponent("groundswell")
    }

    /// Runs the binary to completion; returns (exit status, output).
    @discardableResult
    static func run(_ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
