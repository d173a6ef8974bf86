import Foundation
import Synchronization

/// Connections to one PostgreSQL database, at most `size` open (size it per node: the server's
/// `max_connections` is shared by every node). A borrower gets a connection for the length of a
/// closure; when all are lent, it waits up to `timeout`, then gets `53300` (too many connections),
/// so a burst queues instead of opening connections the server would refuse. A connection that
/// failed (SQLSTATE class 08) is closed instead of returned.
public final class PostgresPool: Sendable {
    public let url: String
    public let size: Int
    private let timeout: Double
    private struct State {
        var idle: [PostgresConnection] = []
        var open = 0
        var closed = false
    }
    private let state = Mutex(State())
    /// Wakes a waiting borrower when a connection comes back (a condition, which `Mutex` lacks).
    private let returned = NSCondition()

    public init(url: String, size: Int = 8, timeout: Double = 5) {
        self.url = url
        self.size = max(1, size)
        self.timeout = timeout
    }

    /// Closes the idle connections, and each lent one when it comes back; later borrowers get `08003`.
    public func close() {
        let idle = state.withLock { state -> [PostgresConnection] in
            state.closed = true
            state.open -= state.idle.count
            defer { state.idle = [] }
            return state.idle
        }
        for connection in idle { connection.close() }
        returned.lock()
        returned.broadcast()
        returned.unlock()
    }

    /// Closes the idle connections (the server was seen dropping connections: the idle ones are
    /// likely dead too); lent ones are kept or dropped as they come back.
    public func discardIdle() {
        let idle = state.withLock { state -> [PostgresConnection] in
            state.open -= state.idle.count
            defer { state.idle = [] }
            return state.idle
        }
        for connection in idle { connection.close() }
        signal()
    }

    /// Connections open now (lent or idle).
    public var openCount: Int { state.withLock { $0.open } }

    /// Lends a connection to `body`.
    public func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let connection = try borrow()
        do {
            let value = try body(connection)
            giveBack(connection, broken: !connection.isHealthy)
            return value
        } catch {
            giveBack(connection, broken: (error as? PostgresError)?.isConnectionFailure == true || !connection.isHealthy)
            throw error
        }
    }

    /// Runs `body` in a transaction on a lent connection; a serialization failure or deadlock
    /// (`40001`, `40P01`) runs it again, up to `attempts` times.
    public func transaction<T>(_ isolation: PostgresConnection.Isolation = .readCommitted, attempts: Int = 5,
                               _ body: (PostgresConnection) throws -> T) throws -> T {
        var attempt = 1
        while true {
            do {
                return try withConnection { connection in try connection.transaction(isolation) { try body(connection) } }
            } catch let error as PostgresError where error.isRetryable && attempt < attempts {
                attempt += 1
            }
        }
    }

    private enum Claim { case idle(PostgresConnection), open, full }

    private func borrow() throws -> PostgresConnection {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while true {
            let claim = try state.withLock { state -> Claim in
                if state.closed { throw PostgresError(sqlState: "08003", message: "the connection pool is closed") }
                if let connection = state.idle.popLast() { return .idle(connection) }
                if state.open < size { state.open += 1; return .open }
                return .full
            }
            switch claim {
            case .idle(let connection):
                return connection
            case .open:
                do {
                    return try PostgresConnection(url: url)
                } catch {
                    state.withLock { $0.open -= 1 }
                    signal()
                    throw error
                }
            case .full:
                returned.lock()
                let woke = returned.wait(until: deadline)
                returned.unlock()
                if !woke && Date() >= deadline {
                    throw PostgresError(sqlState: "53300", message: "all \(size) database connections of this node stayed busy for \(timeout) s")
                }
            }
        }
    }

    private func giveBack(_ connection: PostgresConnection, broken: Bool) {
        let drop = state.withLock { state -> Bool in
            if broken || state.closed {
                state.open -= 1
                return true
            }
            state.idle.append(connection)
            return false
        }
        if drop { connection.close() }
        signal()
    }

    private func signal() {
        returned.lock()
        returned.signal()
        returned.unlock()
    }
}
