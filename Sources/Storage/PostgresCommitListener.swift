import CLinux
import Foundation
import PostgresStore
import Synchronization

/// Listens on its own connection for the other nodes' `NOTIFY groundswell_commits` and tells this
/// node's writer, which moves its commit count and calls its commit observers (caches emptied,
/// live streams refreshed) — the same path as a local commit. While the connection is down it
/// retries each second, and after reconnecting reports one commit, since it may have missed some.
/// The same connection holds the leader lock: of all nodes, the one whose session holds
/// `pg_try_advisory_lock(leaderKey)` is the leader (it sends the outbox); when its session ends —
/// the node died or lost the server — the lock is free and another node takes it within a second.
/// `@unchecked Sendable`: `stopping` and `leading` are atomic; the connection belongs to the listener thread.
final class PostgresCommitListener: @unchecked Sendable {
    /// The advisory lock key of leadership ("gs" "lead" in ASCII).
    static let leaderKey: Int64 = 0x6773_6C65_6164
    private let stopping = Atomic<Bool>(false)
    private let leading = Atomic<Bool>(false)

    /// Whether this node holds the leader lock now.
    var isLeader: Bool { leading.load(ordering: .acquiring) }

    /// Nodes listening on this database now (each listener's session is named
    /// `groundswell-listener`), counted about once a second; at least 1.
    var nodeCount: Int { max(1, nodes.load(ordering: .relaxed)) }
    private let nodes = Atomic<Int>(1)
    static let applicationName = "groundswell-listener"

    /// Names the session (so nodes can count each other) and listens.
    private static func prepare(_ connection: PostgresConnection) throws {
        try connection.execute("SET application_name = '\(applicationName)'")
        try connection.listen(PostgresWriter.channel)
    }

    private static func countNodes(_ connection: PostgresConnection) throws -> Int {
        Int(try connection.scalarInt("""
            SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1
            """, [applicationName]) ?? 1)
    }
    private let finished = DispatchSemaphore(value: 0)

    /// Starts listening; returns once the first LISTEN is in place (so no commit after start-up is missed).
    init(url: String, node: String, onRemoteCommit: @escaping @Sendable (Set<String>?) -> Void) throws {
        let first = try PostgresConnection(url: url)
        try PostgresCommitListener.prepare(first)
        nodes.store(try PostgresCommitListener.countNodes(first), ordering: .relaxed)
        if try first.query("SELECT pg_try_advisory_lock($1)", [PostgresCommitListener.leaderKey])[0].bool(0) {
            leading.store(true, ordering: .releasing)
        }
        let thread = Thread { [self] in
            clinux_name_thread("gs-pg-listen")
            var connection: PostgresConnection? = first
            var ticks = 0
            while !self.stopping.load(ordering: .relaxed) {
                guard let listening = connection else {
                    self.leading.store(false, ordering: .releasing)
                    Thread.sleep(forTimeInterval: 1)
                    if let fresh = try? PostgresConnection(url: url), (try? PostgresCommitListener.prepare(fresh)) != nil {
                        connection = fresh
                        onRemoteCommit(nil)  // what changed meanwhile is unknown
                    }
                    continue
                }
                do {
                    ticks += 1
                    if ticks % 4 == 0 { self.nodes.store(try PostgresCommitListener.countNodes(listening), ordering: .relaxed) }
                    if !self.leading.load(ordering: .relaxed) {
                        let won = try listening.query("SELECT pg_try_advisory_lock($1)", [PostgresCommitListener.leaderKey])[0].bool(0)
                        if won { self.leading.store(true, ordering: .releasing) }
                    }
                    let payloads = try listening.notifications(timeout: 0.25)
                    var tables: Set<String> = []
                    var others = false
                    for payload in payloads {
                        let (from, changed) = PostgresWriter.parse(payload)
                        guard from != node else { continue }
                        others = true
                        tables.formUnion(changed)
                    }
                    if others { onRemoteCommit(tables) }
                } catch {
                    self.leading.store(false, ordering: .releasing)
                    connection = nil
                }
            }
            connection?.close()
            self.finished.signal()
        }
        thread.start()
    }

    func close() {
        guard !stopping.exchange(true, ordering: .relaxed) else { return }
        finished.wait()
    }
}
