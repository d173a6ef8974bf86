import CLinux
import Foundation
import PostgresStore
import SQLiteStore
import Synchronization

/// This node's writers on PostgreSQL: `connections` threads, each owning one connection, each
/// running one job per transaction (`READ COMMITTED`) and answering it after its commit.
/// PostgreSQL groups the commits of concurrent transactions into one WAL flush itself, so
/// there is no batching here — and no job holds row locks while another job runs, so the row
/// locks that keep votes exact across nodes (`SELECT … FOR UPDATE` in the stores) are held for one job
/// only. A job that meets a deadlock or serialization failure (`40P01`, `40001`) is rolled back
/// and run again, up to three times. A commit that changed rows sends `NOTIFY
/// groundswell_commits`, so the other nodes' caches and live streams learn of it
/// (`PostgresCommitListener`).
/// `@unchecked Sendable`: the queue and counters are guarded by `condition`; observers and
/// hooks by their mutexes; each connection belongs to its thread.
final class PostgresWriter: @unchecked Sendable {
    static let channel = "groundswell_commits"

    private let url: String
    private let node: String
    private let condition = NSCondition()
    private var queue: [PostgresWriteJob] = []
    private var stopping = false
    private var running: Int
    private let finished = DispatchSemaphore(value: 0)
    private let committed = Atomic<UInt64>(0)
    private var transactions = 0
    private var jobs = 0
    private var retries = 0
    private var commitNanos: UInt64 = 0
    /// Commit observers and the tables each watches.
    private let observers = Mutex<[(tables: Set<String>, observer: @Sendable () -> Void)]>([])
    private let remoteObservers = Mutex<[@Sendable () -> Void]>([])
    private let beforeCommit = Mutex<[@Sendable (SQLConnection) throws -> Void]>([])

    init(url: String, node: String, connections: Int) throws {
        self.url = url
        self.node = node
        let opened = try (0..<max(1, connections)).map { _ in try PostgresConnection(url: url) }
        running = opened.count
        for (index, connection) in opened.enumerated() {
            let thread = Thread { [unowned self] in
                clinux_name_thread("gs-pg-writer-\(index)")
                self.loop(SQLConnection(connection))
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    func submit<T>(_ work: @escaping (SQLConnection) throws -> T, completion: @escaping (Result<T, Error>) -> Void) {
        let job = PostgresWriteJob(work: work, completion: completion)
        condition.lock()
        if stopping {
            condition.unlock()
            completion(.failure(WriterStopped()))
            return
        }
        queue.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Another node committed, changing `tables` (nil: unknown, as after a lost connection).
    func remoteCommit(tables: Set<String>?) {
        announceCommit(tables: tables)
        for observer in remoteObservers.withLock({ $0 }) { observer() }
    }

    /// Called after each commit of another node (as far as NOTIFY tells).
    func onRemoteCommit(_ observer: @escaping @Sendable () -> Void) {
        remoteObservers.withLock { $0.append(observer) }
    }

    /// Called after every commit, here or on another node, whose statements changed rows of one
    /// of `tables` (named by the statements; see `SQLConnection.changingStatements`).
    func onCommit(changing tables: [String], _ observer: @escaping @Sendable () -> Void) {
        observers.withLock { $0.append((Set(tables), observer)) }
    }

    /// Runs `work` in every transaction after its job, before the commit.
    func beforeEveryCommit(_ work: @escaping @Sendable (SQLConnection) throws -> Void) {
        beforeCommit.withLock { $0.append(work) }
    }

    var commitCount: UInt64 { committed.load(ordering: .acquiring) }

    var statistics: (batches: Int, jobs: Int, replays: Int, commitNanos: UInt64) {
        condition.lock()
        defer { condition.unlock() }
        return (transactions, jobs, retries, commitNanos)
    }

    /// Finishes queued work, then stops every writer thread.
    func close() {
        condition.lock()
        if stopping {
            condition.unlock()
            return
        }
        stopping = true
        condition.broadcast()
        condition.unlock()
        finished.wait()
    }

    private func announceCommit(tables: Set<String>?) {
        committed.add(1, ordering: .releasing)
        for (watched, observer) in observers.withLock({ $0 }) where tables.map({ !$0.isDisjoint(with: watched) }) ?? true { observer() }
    }

    /// What `NOTIFY` carries: this node, then the tables the commit changed.
    static func payload(node: String, tables: Set<String>) -> String { node + "|" + tables.sorted().joined(separator: ",") }

    /// The node and tables of a `NOTIFY` payload.
    static func parse(_ payload: String) -> (node: String, tables: Set<String>) {
        let parts = payload.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
        let tables = parts.count > 1 ? Set(parts[1].split(separator: ",").map(String.init)) : []
        return (String(parts.first ?? ""), tables)
    }

    private func loop(_ first: SQLConnection) {
        var db = first
        while true {
            condition.lock()
            while queue.isEmpty && !stopping { condition.wait() }
            if queue.isEmpty && stopping {
                running -= 1
                let last = running == 0
                condition.unlock()
                db.postgres!.close()
                if last { finished.signal() }
                return
            }
            let job = queue.removeFirst()
            condition.unlock()
            if !db.postgres!.isHealthy, let fresh = try? PostgresConnection(url: url) {
                db = SQLConnection(fresh)  // the server went away and came back
            }
            db = run(job, on: db)
        }
    }

    /// Runs `job` in its own transaction; returns the connection to use next (a fresh one if the
    /// old one was found dropped).
    private func run(_ job: PostgresWriteJob, on db: SQLConnection) -> SQLConnection {
        let start = DispatchTime.now().uptimeNanoseconds
        var attempt = 1
        var db = db
        var reconnected = false
        let hooks = beforeCommit.withLock { $0 }
        while true {
            var began = false
            _ = db.takeChangingStatements()
            db.afterCommitActions = []
            do {
                // The NOTIFY goes with the COMMIT; table names are our own identifiers, nothing to quote.
                let changed = try db.postgres!.transaction(.readCommitted, finalStatement: { [node] tables in
                    tables.map { "NOTIFY \(Self.channel), '\(Self.payload(node: node, tables: $0))'" }
                }) { () throws -> Set<String>? in
                    began = true
                    if let error = job.run(db) { throw JobFailed(error: error) }
                    for hook in hooks { try hook(db) }
                    let changes = db.takeChangingStatements()
                    return changes.isEmpty ? nil : Set(changes.compactMap(\.table))
                }
                if let changed { announceCommit(tables: changed) }
                let actions = db.afterCommitActions
                db.afterCommitActions = []
                for action in actions { action(db) }
                record(start: start, retried: attempt > 1)
                job.finish()
                return db
            } catch {
                db.afterCommitActions = []
                let cause = (error as? JobFailed)?.error ?? error
                if (cause as? PostgresError)?.isRetryable == true && attempt < 3 {
                    attempt += 1
                    continue
                }
                // The session was gone before the job began (`BEGIN` failed: the server restarted
                // or dropped it): nothing ran, so run it on a fresh connection, once.
                if !began, !reconnected, (cause as? PostgresError)?.isLostSession == true,
                   let fresh = try? PostgresConnection(url: url) {
                    reconnected = true
                    db.postgres!.close()
                    db = SQLConnection(fresh)
                    continue
                }
                record(start: start, retried: attempt > 1)
                if error is JobFailed { job.finish() } else { job.fail(cause) }
                return db
            }
        }
    }

    private func record(start: UInt64, retried: Bool) {
        let elapsed = DispatchTime.now().uptimeNanoseconds - start
        condition.lock()
        transactions += 1
        jobs += 1
        commitNanos += elapsed
        if retried { retries += 1 }
        condition.unlock()
    }
}

/// The job's own error, carried out of the transaction so that it rolls back.
private struct JobFailed: Error {
    let error: Error
}

/// A queued job, type-erased so the queue can hold jobs of any result type.
private final class PostgresWriteJob {
    /// Runs the work; returns its error, nil when it succeeded.
    let run: (SQLConnection) -> Error?
    let finish: () -> Void
    let fail: (Error) -> Void

    init<T>(work: @escaping (SQLConnection) throws -> T, completion: @escaping (Result<T, Error>) -> Void) {
        let box = ResultHolder<T>()
        run = { db in
            do {
                box.result = .success(try work(db))
                return nil
            } catch {
                box.result = .failure(error)
                return error
            }
        }
        finish = { completion(box.result ?? .failure(WriterStopped())) }
        fail = { completion(.failure($0)) }
    }
}

/// One job's outcome, kept until its transaction ends.
private final class ResultHolder<T> {
    var result: Result<T, Error>?
}
