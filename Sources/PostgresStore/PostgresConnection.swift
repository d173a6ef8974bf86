import CPostgreSQL
import Foundation

/// One libpq connection, wrapped once: every statement is prepared once per connection (named,
/// kept in `prepared` by its SQL) and run with its values bound as parameters; every failure is a
/// `PostgresError` with the SQLSTATE. `@unchecked Sendable`: used by one thread at a time — the
/// pool lends it to one borrower, who gives it back.
public final class PostgresConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    /// Statement names by SQL text.
    private var prepared: [String: String] = [:]
    /// Numbers statement names; never reused, since a forgotten statement may still exist on the server.
    private var statementsNamed = 0
    /// Whether a transaction is open (nested `transaction` calls join it).
    private var inTransaction = false

    /// Connects with a `postgres://user@host:port/name` URL (or any libpq connection string).
    public init(url: String) throws {
        guard let handle = PQconnectdb(url) else { throw PostgresError(sqlState: "08000", message: "libpq could not allocate a connection") }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines)
            PQfinish(handle)
            throw PostgresError(sqlState: "08001", message: message)
        }
        self.handle = handle
        // Server notices ("relation … already exists, skipping") are not errors; libpq would print
        // them to stderr.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        // Times and text the same on every node, whatever the server's defaults.
        try execute("SET TIME ZONE 'UTC'; SET client_encoding = 'UTF8'")
    }

    /// Set by `close()`; the handle is gone after it.
    private var closed = false

    deinit { if !closed { PQfinish(handle) } }

    /// Ends the session now (instead of when the last reference goes). Nothing may use the
    /// connection afterwards.
    public func close() {
        guard !closed else { return }
        closed = true
        PQfinish(handle)
    }

    /// Whether the connection still works (a pool drops broken ones).
    public var isHealthy: Bool { !closed && PQstatus(handle) == CONNECTION_OK }

    /// Runs SQL text without parameters — one or several statements (migrations, `SET`).
    public func execute(_ sql: String) throws {
        let result = try PostgresResult(PQexec(handle, sql), connection: handle, sql: sql)
        _ = result
    }

    /// Runs `sql` with `values` bound to `$1`, `$2`… and returns the rows it produced.
    @discardableResult
    public func query(_ sql: String, _ values: [any PostgresBindable] = []) throws -> PostgresResult {
        let name = try statement(sql, parameters: values.count)
        let texts = values.map { $0.postgresText }
        var pointers: [UnsafeMutablePointer<CChar>?] = texts.map { $0.map { strdup($0) } ?? nil }
        defer { for pointer in pointers { free(pointer) } }
        let raw = pointers.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: max(1, buffer.count)) { base in
                PQexecPrepared(handle, name, Int32(values.count), values.isEmpty ? nil : base, nil, nil, 0)
            }
        }
        do {
            return try PostgresResult(raw, connection: handle, sql: sql)
        } catch let error as PostgresError where error.sqlState == "26000" || error.sqlState == "0A000" {
            // The prepared statement vanished (a `DISCARD ALL` by a proxy) or its plan no longer
            // fits the schema: forget it; the caller's next attempt prepares it again.
            prepared[sql] = nil
            throw error
        }
    }

    /// Runs `sql` and decodes each row with `decode`.
    public func query<T>(_ sql: String, _ values: [any PostgresBindable] = [], _ decode: (PostgresRow) throws -> T) throws -> [T] {
        let result = try query(sql, values)
        return try (0..<result.count).map { try decode(result[$0]) }
    }

    /// The first row's first column as an integer, if there is a row and it is not NULL.
    public func scalarInt(_ sql: String, _ values: [any PostgresBindable] = []) throws -> Int64? {
        let result = try query(sql, values)
        return result.count == 0 ? nil : result[0].optionalInt64(0)
    }

    /// Runs a statement that changes rows; returns how many.
    @discardableResult
    public func run(_ sql: String, _ values: [any PostgresBindable] = []) throws -> Int {
        try query(sql, values).affectedRows
    }

    /// Runs `COPY … FROM STDIN` (`sql`) in PostgreSQL's text format: `body` is handed a `send`
    /// that passes blocks of rows (tab-separated fields, `\N` for NULL, one row per line) to the
    /// server. Returns the rows copied. If `body` throws, the copy is cancelled and the error rethrown.
    public func copyIn(_ sql: String, _ body: (_ send: ([UInt8]) throws -> Void) throws -> Void) throws -> Int {
        let start = PQexec(handle, sql)
        guard let start, PQresultStatus(start) == PGRES_COPY_IN else {
            _ = try PostgresResult(start, connection: handle, sql: sql)  // throws the server's error
            throw PostgresError(sqlState: "XX000", message: "the server did not start a COPY", sql: sql)
        }
        PQclear(start)
        let failure = { [self] in connectionFailure(sql) }
        do {
            try body { bytes in
                guard !bytes.isEmpty else { return }
                let sent = bytes.withUnsafeBytes { raw in
                    PQputCopyData(handle, raw.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(raw.count))
                }
                guard sent == 1 else { throw failure() }
            }
            guard PQputCopyEnd(handle, nil) == 1 else { throw failure() }
        } catch {
            _ = PQputCopyEnd(handle, "cancelled by the client")
            while let raw = PQgetResult(handle) { PQclear(raw) }
            throw error
        }
        var rows = 0
        var problem: Error?
        while let raw = PQgetResult(handle) {
            do { rows = try PostgresResult(raw, connection: handle, sql: sql).affectedRows } catch { problem = problem ?? error }
        }
        if let problem { throw problem }
        return rows
    }

    public enum Isolation: String, Sendable {
        case readCommitted = "READ COMMITTED", repeatableRead = "REPEATABLE READ", serializable = "SERIALIZABLE"
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    /// Inside a transaction already, `body` simply joins it.
    /// `finalStatement(value)`, when it returns SQL, is sent together with the COMMIT (one round trip).
    /// A read-only transaction's COMMIT is sent without waiting for its answer: it cannot lose
    /// anything, and libpq reads (and drops) that answer before the connection's next command.
    public func transaction<T>(_ isolation: Isolation = .readCommitted, readOnly: Bool = false,
                               finalStatement: ((T) -> String?)? = nil, _ body: () throws -> T) throws -> T {
        if inTransaction { return try body() }
        try execute("BEGIN ISOLATION LEVEL \(isolation.rawValue)" + (readOnly ? " READ ONLY" : ""))
        inTransaction = true
        defer { inTransaction = false }
        do {
            let value = try body()
            if readOnly && finalStatement == nil {
                guard PQsendQuery(handle, "COMMIT") == 1 else {
                    throw connectionFailure("COMMIT")
                }
                return value
            }
            try execute((finalStatement?(value)).map { $0 + "; COMMIT" } ?? "COMMIT")
            return value
        } catch {
            if isHealthy { try? execute("ROLLBACK") }
            throw error
        }
    }

    /// Runs `sql` with typed `parameters` bound to `$1`, `$2`… (prepared once per connection and
    /// per pattern of types; a NULL's type is inferred by the server, or text where it cannot be).
    @discardableResult
    public func query(_ sql: String, parameters: [PostgresParameter]) throws -> PostgresResult {
        let name = try typedStatement(sql, parameters)
        var (values, lengths, formats) = PostgresConnection.encode(parameters)
        let raw = withPointers(values) { pointers in
            PQexecPrepared(handle, name, Int32(parameters.count), parameters.isEmpty ? nil : pointers,
                           &lengths, &formats, 0)
        }
        do {
            return try PostgresResult(raw, connection: handle, sql: sql)
        } catch let error as PostgresError where error.sqlState == "26000" || error.sqlState == "0A000" {
            prepared[PostgresConnection.typedKey(sql, parameters)] = nil
            throw error
        }
    }

    /// Runs `sql` once for each list of parameters in `rows`, in libpq's pipeline mode: every
    /// execution is sent before the first result is read, so a thousand statements cost one
    /// round trip instead of a thousand (a round's close writes a result and a notice per entry).
    /// Returns the rows changed in all. The first failure is thrown once every result is read;
    /// the server skips what follows it, and a transaction it ran in is failed, as after any error.
    @discardableResult
    public func runPipelined(_ sql: String, rows: [[PostgresParameter]]) throws -> Int {
        guard !rows.isEmpty else { return 0 }
        // Prepared first: a synchronous PREPARE is not allowed inside a pipeline.
        let names = try rows.map { try typedStatement(sql, $0) }
        guard PQenterPipelineMode(handle) == 1 else {
            throw connectionFailure(sql)
        }
        defer { _ = PQexitPipelineMode(handle) }
        var failure: PostgresError?
        for (row, name) in zip(rows, names) {
            var (values, lengths, formats) = PostgresConnection.encode(row)
            let queued = withPointers(values) { pointers in
                PQsendQueryPrepared(handle, name, Int32(row.count), row.isEmpty ? nil : pointers, &lengths, &formats, 0)
            }
            guard queued == 1 else {
                failure = connectionFailure(sql)
                break
            }
        }
        guard PQpipelineSync(handle) == 1 else {
            throw failure ?? connectionFailure(sql)
        }
        // Each execution's result, then the NULL that ends it; last, the sync's own result.
        var changed = 0
        var synced = false
        var ends = 0
        while !synced {
            guard let raw = PQgetResult(handle) else {
                // One NULL ends each execution's results; two in a row mean nothing more will come.
                ends += 1
                if ends > 1 || PQstatus(handle) != CONNECTION_OK {
                    throw connectionFailure(sql)
                }
                continue
            }
            ends = 0
            switch PQresultStatus(raw) {
            case PGRES_PIPELINE_SYNC:
                synced = true
                PQclear(raw)
            case PGRES_PIPELINE_ABORTED:
                PQclear(raw)
            case PGRES_COMMAND_OK, PGRES_TUPLES_OK:
                changed += Int(String(cString: PQcmdTuples(raw))) ?? 0
                PQclear(raw)
            default:
                // Takes `raw` and turns it into the error it carries.
                do { _ = try PostgresResult(raw, connection: handle, sql: sql) } catch let error as PostgresError {
                    if failure == nil { failure = error }
                }
            }
        }
        if let failure {
            // As in `query`: a vanished or outdated prepared statement is prepared again next time.
            if failure.sqlState == "26000" || failure.sqlState == "0A000" {
                for row in rows { prepared[PostgresConnection.typedKey(sql, row)] = nil }
            }
            throw failure
        }
        return changed
    }

    /// Parameters as libpq takes them: text (NUL-terminated) but for bytes, which go in binary.
    private static func encode(_ parameters: [PostgresParameter]) -> (values: [[UInt8]?], lengths: [Int32], formats: [Int32]) {
        var values: [[UInt8]?] = []
        values.reserveCapacity(parameters.count)
        var formats = [Int32](repeating: 0, count: parameters.count)
        for (index, parameter) in parameters.enumerated() {
            switch parameter {
            case .null: values.append(nil)
            case .int(let value): values.append(Array(String(value).utf8) + [0])
            case .double(let value): values.append(Array((value.postgresText ?? "NaN").utf8) + [0])
            case .text(let value): values.append(Array(value.utf8) + [0])
            case .bytes(let value):
                values.append(value)
                formats[index] = 1
            }
        }
        return (values, values.map { Int32($0?.count ?? 0) }, formats)
    }

    /// Subscribes this connection to `channel`'s notifications (`NOTIFY channel, 'payload'`).
    public func listen(_ channel: String) throws {
        try execute("LISTEN \(channel)")
    }

    /// Waits up to `timeout` seconds for notifications on the channels listened to; returns
    /// their payloads (empty on timeout). Throws when the connection broke.
    public func notifications(timeout: Double) throws -> [String] {
        var payloads = drainNotifications()
        if !payloads.isEmpty { return payloads }
        var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, Int32(timeout * 1000))
        if ready > 0 {
            guard PQconsumeInput(handle) == 1 else {
                throw connectionFailure(nil)
            }
            payloads = drainNotifications()
        }
        return payloads
    }

    private func drainNotifications() -> [String] {
        var payloads: [String] = []
        while let notice = PQnotifies(handle) {
            payloads.append(String(cString: notice.pointee.extra))
            PQfreemem(notice)
        }
        return payloads
    }

    private func withPointers<R>(_ values: [[UInt8]?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
        var pointers: [UnsafeMutablePointer<UInt8>?] = values.map { value in
            guard let value else { return nil }
            let pointer = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, value.count))
            pointer.initialize(from: value, count: value.count)
            return pointer
        }
        defer { for pointer in pointers { pointer?.deallocate() } }
        return pointers.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: max(1, buffer.count)) { body($0) }
        }
    }

    /// The connection failed (`08006`) while running `sql`, with libpq's message.
    private func connectionFailure(_ sql: String?) -> PostgresError {
        PostgresError(sqlState: "08006", message: String(cString: PQerrorMessage(handle)), sql: sql)
    }

    /// A typed statement's name is kept under its pattern of types and its SQL.
    private static func typedKey(_ sql: String, _ parameters: [PostgresParameter]) -> String {
        String(parameters.map(\.signature)) + "|" + sql
    }

    private func typedStatement(_ sql: String, _ parameters: [PostgresParameter]) throws -> String {
        let key = PostgresConnection.typedKey(sql, parameters)
        if let name = prepared[key] { return name }
        statementsNamed += 1
        let name = "gs\(statementsNamed)"
        var types = parameters.map(\.oid)
        let unknown = types.contains(0)
        // A failed PREPARE would abort the open transaction: where a retry may follow, try it in a savepoint.
        let guarded = unknown && inTransaction
        if guarded { try execute("SAVEPOINT gs_prepare") }
        do {
            _ = try PostgresResult(PQprepare(handle, name, sql, Int32(types.count), types.isEmpty ? nil : types),
                                   connection: handle, sql: sql)
            if guarded { try execute("RELEASE SAVEPOINT gs_prepare") }
        } catch let error as PostgresError where unknown && (error.sqlState == "42P18" || error.sqlState == "42P08") {
            // A NULL where the server cannot tell the type (`$1 IS NULL`, or unused): say text.
            if guarded { try execute("ROLLBACK TO SAVEPOINT gs_prepare; RELEASE SAVEPOINT gs_prepare") }
            types = types.map { $0 == 0 ? 25 : $0 }
            _ = try PostgresResult(PQprepare(handle, name, sql, Int32(types.count), types), connection: handle, sql: sql)
        }
        prepared[key] = name
        return name
    }

    /// How many statements this connection has prepared (each once).
    public var preparedCount: Int { prepared.count }

    private func statement(_ sql: String, parameters: Int) throws -> String {
        if let name = prepared[sql] { return name }
        statementsNamed += 1
        let name = "gs\(statementsNamed)"
        _ = try PostgresResult(PQprepare(handle, name, sql, Int32(parameters), nil), connection: handle, sql: sql)
        prepared[sql] = name
        return name
    }
}
