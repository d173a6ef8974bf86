import Foundation
import Synchronization

/// A throw-away PostgreSQL cluster for tests: `initdb` into a temp folder and `pg_ctl start` on a
/// free loopback port (its socket in that folder too), run as the unprivileged `postgres` user
/// when the tests run as root, since PostgreSQL refuses to run as root. One cluster per test
/// process, started on first use and stopped at exit; each test makes its own database.
public final class TestPostgres: Sendable {
    public let port: Int
    public let directory: String
    private let binaries: String
    private let user: String?
    private let databases = Atomic<Int>(0)

    /// The process's cluster (started once); throws with what is missing when PostgreSQL's
    /// server programs are not installed (`make test-deps` installs Debian's `postgresql`).
    public static func shared() throws -> TestPostgres {
        try started.withLock { cluster in
            if let cluster { return cluster }
            let new = try TestPostgres()
            cluster = new
            atexit { TestPostgres.stopShared() }
            return new
        }
    }

    private static let started = Mutex<TestPostgres?>(nil)

    private static func stopShared() {
        started.withLock { $0?.stop() }
    }

    private init() throws {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        guard let version = versions.last, FileManager.default.isExecutableFile(atPath: "\(root)/\(version)/bin/initdb") else {
            throw TestPostgresError("PostgreSQL's server programs are not installed (apt-get install postgresql; make test-deps does it)")
        }
        binaries = "\(root)/\(version)/bin"
        user = getuid() == 0 ? "postgres" : nil
        // Under /tmp, not $TMPDIR: the `postgres` user must reach it, and the socket path stays short.
        directory = "/tmp/groundswell-pg-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if let user {
            try TestPostgres.run("/bin/chown", [user, directory])
        }
        port = TestPostgres.freePort()
        try runAsOwner("initdb", ["-D", directory + "/data", "-A", "trust", "-U", "groundswell", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"])
        let options = "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200 -c shared_buffers=32MB"
        try runAsOwner("pg_ctl", ["-D", directory + "/data", "-o", options, "-l", directory + "/server.log", "-w", "-t", "60", "start"])
    }

    /// A new, empty database's URL.
    public func makeDatabase() throws -> String {
        let name = "test_\(getpid())_\(databases.add(1, ordering: .relaxed).newValue)"
        try runAsOwner("createdb", ["-h", "127.0.0.1", "-p", String(port), "-U", "groundswell", name])
        return url(database: name)
    }

    public func url(database: String) -> String { "postgres://groundswell@127.0.0.1:\(port)/\(database)" }

    public func stop() {
        try? runAsOwner("pg_ctl", ["-D", directory + "/data", "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func runAsOwner(_ program: String, _ arguments: [String]) throws {
        if let user {
            try TestPostgres.run("/usr/sbin/runuser", ["-u", user, "--", "\(binaries)/\(program)"] + arguments)
        } else {
            try TestPostgres.run("\(binaries)/\(program)", arguments)
        }
    }

    /// Runs a program and waits for it (posix_spawn and waitpid: Foundation's `Process` can miss
    /// the exit of a child whose own child — the postmaster — lives on). Its output goes to a
    /// file, read back for the error message.
    private static func run(_ path: String, _ arguments: [String]) throws {
        let log = NSTemporaryDirectory() + "groundswell-pg-run-\(getpid())-\(UUID().uuidString.prefix(8)).log"
        defer { unlink(log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard spawned == 0 else { throw TestPostgresError("\(path) could not start: \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let exited = (status & 0x7f) == 0, code = (status >> 8) & 0xff
        guard exited && code == 0 else {
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw TestPostgresError("\(path) \(arguments.joined(separator: " ")) failed (status \(status)): \(output)")
        }
    }

    /// A loopback port nobody listens on now.
    private static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

public struct TestPostgresError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
