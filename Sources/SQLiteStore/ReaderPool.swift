import CSQLite
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Read-only connections. WAL lets them read while the writer commits. The first few
/// threads that read (the server's event loops, which live for the whole run) each get
/// a connection of their own, kept in thread-local storage, so the hot path takes no
/// lock; any other thread checks one out of a small shared pool.
/// `@unchecked Sendable`: the idle list and counts are guarded by `lock`; a thread-local
/// connection is only ever used by its thread.
public final class ReaderPool: @unchecked Sendable {
    private let lock = NSCondition()
    private var idle: [Connection]
    private let path: String
    private let options: Connection.Options
    private var key = pthread_key_t()
    private var dedicatedCount = 0
    private let dedicatedLimit: Int
    private var dedicated: [Connection] = []
    /// Set by `close`, read without the lock on every read: a thread that reads after the close
    /// is refused rather than handed the connection its slot borrowed (which the close drops),
    /// and no thread is given a connection of its own any more.
    private let isClosed = Atomic(false)

    public init(path: String, count: Int, dedicatedThreads: Int = 16, options: Connection.Options = Connection.Options()) throws {
        var readOptions = options
        readOptions.readOnly = true
        self.path = path
        self.options = readOptions
        self.dedicatedLimit = dedicatedThreads
        idle = try (0..<max(1, count)).map { _ in try Connection(path: path, options: readOptions) }
        pthread_key_create(&key, nil)
    }

    deinit {
        pthread_key_delete(key)
    }

    /// Runs `body` with a reader connection.
    public func read<T>(_ body: (Connection) throws -> T) throws -> T {
        guard !isClosed.load(ordering: .acquiring) else {
            throw SQLiteError(code: SQLITE_MISUSE, message: "the database is closed")
        }
        if let connection = try threadConnection() { return try body(connection) }
        lock.lock()
        while idle.isEmpty { lock.wait() }
        let connection = idle.removeLast()
        lock.unlock()
        defer {
            lock.lock()
            idle.append(connection)
            lock.signal()
            lock.unlock()
        }
        return try body(connection)
    }

    private func threadConnection() throws -> Connection? {
        if let raw = pthread_getspecific(key) {
            return Unmanaged<Connection>.fromOpaque(raw).takeUnretainedValue()
        }
        lock.lock()
        guard !isClosed.load(ordering: .acquiring), dedicatedCount < dedicatedLimit else {
            lock.unlock()
            return nil
        }
        dedicatedCount += 1
        lock.unlock()
        let connection = try Connection(path: path, options: options)
        lock.lock()
        dedicated.append(connection)  // owned here; the thread-local slot only borrows it
        lock.unlock()
        pthread_setspecific(key, Unmanaged.passUnretained(connection).toOpaque())
        return connection
    }

    /// Drops the pooled connections, and the threads' own (closing their files: a process that
    /// opens and closes many databases, like the tests, would otherwise keep every file of every
    /// one open). Call only after every reader thread is done.
    public func close() {
        isClosed.store(true, ordering: .releasing)
        lock.lock()
        idle.removeAll()
        dedicated.removeAll()
        lock.unlock()
    }
}
