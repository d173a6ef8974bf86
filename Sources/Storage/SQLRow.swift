import PostgresStore
import SQLiteStore

/// One row of a result of either engine, as the stores read it. Column numbers start at 0.
public struct SQLRow {
    enum Source {
        case sqlite(Row)
        case postgres(PostgresRow)
    }
    let source: Source

    init(_ row: Row) { source = .sqlite(row) }
    init(_ row: PostgresRow) { source = .postgres(row) }

    public func int64(_ column: Int32) -> Int64 {
        switch source {
        case .sqlite(let row): row.int64(column)
        case .postgres(let row): row.int64(Int(column))
        }
    }

    public func int(_ column: Int32) -> Int { Int(int64(column)) }

    public func double(_ column: Int32) -> Double {
        switch source {
        case .sqlite(let row): row.double(column)
        case .postgres(let row): row.double(Int(column))
        }
    }

    public func isNull(_ column: Int32) -> Bool {
        switch source {
        case .sqlite(let row): row.isNull(column)
        case .postgres(let row): row.isNull(Int(column))
        }
    }

    public func bool(_ column: Int32) -> Bool {
        switch source {
        case .sqlite(let row): row.bool(column)
        case .postgres(let row): row.bool(Int(column))
        }
    }

    public func string(_ column: Int32) -> String {
        switch source {
        case .sqlite(let row): row.string(column)
        case .postgres(let row): row.string(Int(column))
        }
    }

    public func optionalString(_ column: Int32) -> String? { isNull(column) ? nil : string(column) }
    public func optionalInt64(_ column: Int32) -> Int64? { isNull(column) ? nil : int64(column) }

    public func blob(_ column: Int32) -> [UInt8] {
        switch source {
        case .sqlite(let row): row.blob(column)
        case .postgres(let row): row.bytes(Int(column))
        }
    }

    /// Calls `body` with the raw UTF-8 bytes of a text column, without copying them into a String.
    public func withText<R>(_ column: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        switch source {
        case .sqlite(let row): try row.withText(column, body)
        case .postgres(let row): try row.withText(Int(column), body)
        }
    }
}
