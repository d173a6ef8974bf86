import Foundation

/// A fixed set of read-only connections. WAL lets them read while the writer
/// commits; each caller checks one out, so a connection is never shared between threads.
public final class ReaderPool: @unchecked Sendable {
    private let lock = NSCondition()
    private var idle: [Connection]
    private let path: String
    private let options: Connection.Options

    public init(path: String, count: Int, options: Connection.Options = Connection.Options()) throws {
        var readOptions = options
        readOptions.readOnly = true
        self.path = path
        self.options = readOptions
        idle = try (0..<max(1, count)).map { _ in try Connection(path: path, options: readOptions) }
    }

    /// Runs `body` with a reader connection; blocks while all are busy.
    public func read<T>(_ body: (Connection) throws -> T) throws -> T {
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

    /// Drops every idle connection (call after all readers are done, at shutdown).
    public func close() {
        lock.lock()
        idle.removeAll()
        lock.unlock()
    }
}
