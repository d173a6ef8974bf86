import Foundation

/// The single owner of the write connection. Jobs that arrive together are run
/// back to back inside one transaction (each in its own savepoint), and all of them
/// are answered only after that transaction commits: many writes, one `fsync`.
public final class GroupCommitWriter: @unchecked Sendable {
    public typealias Job = (Connection) -> Void

    private struct Pending {
        let run: (Connection) -> Void   // runs the work inside the batch's transaction
        let fail: (Error) -> Void       // reports a failed commit
        let finish: () -> Void          // reports success after commit
    }

    private let connection: Connection
    private let condition = NSCondition()
    private var queue: [Pending] = []
    private var stopping = false
    private var thread: Thread?
    private let finished = DispatchSemaphore(value: 0)
    public let maxBatch: Int

    /// Counters for observability (read under the lock).
    private var batches = 0
    private var jobs = 0
    private var commitNanos: UInt64 = 0

    public init(connection: Connection, maxBatch: Int = 512) {
        self.connection = connection
        self.maxBatch = maxBatch
        let thread = Thread { [unowned self] in self.loop() }
        thread.name = "groundswell-writer"
        thread.stackSize = 1 << 20
        self.thread = thread
        thread.start()
    }

    /// Queues `work`; `completion` runs on the writer thread after commit (or failure).
    /// `work` runs inside a savepoint: if it throws, only its own changes roll back.
    public func submit<T>(_ work: @escaping (Connection) throws -> T,
                          completion: @escaping (Result<T, Error>) -> Void) {
        let box = ResultBox<T>()
        let pending = Pending(
            run: { db in
                do { box.result = .success(try db.savepoint { try work(db) }) }
                catch { box.result = .failure(error) }
            },
            fail: { error in completion(.failure(error)) },
            finish: { completion(box.result ?? .failure(WriterStopped())) })
        condition.lock()
        if stopping {
            condition.unlock()
            completion(.failure(WriterStopped()))
            return
        }
        queue.append(pending)
        condition.signal()
        condition.unlock()
    }

    /// Runs `work` and blocks the caller until it is committed.
    public func sync<T>(_ work: @escaping (Connection) throws -> T) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox<T>()
        submit(work) { result in
            box.result = result
            done.signal()
        }
        done.wait()
        return try box.result!.get()
    }

    /// Average batch size and commit time so far.
    public var statistics: (batches: Int, jobs: Int, commitNanos: UInt64) {
        condition.lock()
        defer { condition.unlock() }
        return (batches, jobs, commitNanos)
    }

    /// Finishes queued work, then stops the thread. Later submissions fail with `WriterStopped`.
    public func close() {
        condition.lock()
        if stopping {
            condition.unlock()
            return
        }
        stopping = true
        condition.signal()
        condition.unlock()
        finished.wait()
    }

    private func loop() {
        while true {
            condition.lock()
            while queue.isEmpty && !stopping { condition.wait() }
            if queue.isEmpty && stopping {
                condition.unlock()
                break
            }
            let batch: [Pending]
            if queue.count <= maxBatch {
                batch = queue
                queue.removeAll(keepingCapacity: true)
            } else {
                batch = Array(queue.prefix(maxBatch))
                queue.removeFirst(maxBatch)
            }
            condition.unlock()
            runBatch(batch)
        }
        try? connection.checkpoint()
        finished.signal()
    }

    private func runBatch(_ batch: [Pending]) {
        let start = DispatchTime.now().uptimeNanoseconds
        do {
            try connection.cached("BEGIN IMMEDIATE").run()
            for job in batch { job.run(connection) }
            try connection.cached("COMMIT").run()
        } catch {
            if connection.isInTransaction { try? connection.cached("ROLLBACK").run() }
            for job in batch { job.fail(error) }
            return
        }
        let elapsed = DispatchTime.now().uptimeNanoseconds - start
        condition.lock()
        batches += 1
        jobs += batch.count
        commitNanos += elapsed
        condition.unlock()
        for job in batch { job.finish() }
    }
}

/// Returned for work submitted after `close()`.
public struct WriterStopped: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "the database writer has stopped" }
}

private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, Error>?
}
