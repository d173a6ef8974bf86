import CPostgreSQL
import Foundation

/// A statement's result, cleared in `deinit`. Rows are read in PostgreSQL's text format.
public final class PostgresResult {
    private let handle: OpaquePointer

    /// Takes ownership of `raw`; throws the error it carries (or the connection's, when libpq
    /// returned no result at all).
    init(_ raw: OpaquePointer?, connection: OpaquePointer, sql: String) throws {
        guard let raw else {
            throw PostgresError(sqlState: "08006", message: String(cString: PQerrorMessage(connection)), sql: sql)
        }
        let status = PQresultStatus(raw)
        guard status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK || status == PGRES_EMPTY_QUERY else {
            let state = PQresultErrorField(raw, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            let primary = PQresultErrorField(raw, Int32(UInt8(ascii: "M"))).map { String(cString: $0) }
            let message = primary ?? String(cString: PQresultErrorMessage(raw))
            PQclear(raw)
            throw PostgresError(sqlState: state ?? (PQstatus(connection) == CONNECTION_OK ? "XX000" : "08006"),
                                message: message.trimmingCharacters(in: .whitespacesAndNewlines), sql: sql)
        }
        handle = raw
    }

    deinit { PQclear(handle) }

    public var count: Int { Int(PQntuples(handle)) }
    public var columns: Int { Int(PQnfields(handle)) }

    /// Rows changed by an INSERT, UPDATE or DELETE.
    public var affectedRows: Int { Int(String(cString: PQcmdTuples(handle))) ?? 0 }

    /// Rows changed: `affectedRows` unless the command only read (PostgreSQL counts a SELECT's rows too).
    public var changedRows: Int {
        let tag = String(cString: PQcmdStatus(handle))
        return tag.hasPrefix("INSERT") || tag.hasPrefix("UPDATE") || tag.hasPrefix("DELETE") || tag.hasPrefix("MERGE") ? affectedRows : 0
    }

    public subscript(row: Int) -> PostgresRow { PostgresRow(result: self, row: Int32(row)) }

    fileprivate func isNull(_ row: Int32, _ column: Int) -> Bool { PQgetisnull(handle, row, Int32(column)) == 1 }
    fileprivate func text(_ row: Int32, _ column: Int) -> String { String(cString: PQgetvalue(handle, row, Int32(column))) }
    fileprivate func withBytes<R>(_ row: Int32, _ column: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let count = Int(PQgetlength(handle, row, Int32(column)))
        return try PQgetvalue(handle, row, Int32(column)).withMemoryRebound(to: UInt8.self, capacity: max(1, count)) {
            try body(UnsafeBufferPointer(start: $0, count: count))
        }
    }
}

/// One row of a result (valid while the result is).
public struct PostgresRow {
    fileprivate let result: PostgresResult
    fileprivate let row: Int32

    public func isNull(_ column: Int) -> Bool { result.isNull(row, column) }
    public func string(_ column: Int) -> String { result.text(row, column) }
    public func optionalString(_ column: Int) -> String? { isNull(column) ? nil : string(column) }
    /// A number; a boolean reads as 1 or 0 (as SQLite hands out comparisons).
    public func int64(_ column: Int) -> Int64 {
        let text = string(column)
        return Int64(text) ?? (text == "t" ? 1 : 0)
    }
    public func optionalInt64(_ column: Int) -> Int64? { isNull(column) ? nil : int64(column) }
    public func double(_ column: Int) -> Double { Double(string(column)) ?? 0 }
    /// True for `t` (a boolean) or a non-zero number (a 0/1 flag column).
    public func bool(_ column: Int) -> Bool {
        let text = string(column)
        return text == "t" || (text != "f" && (Int64(text) ?? 0) != 0)
    }
    /// The column's text bytes, without copying them into a String.
    public func withText<R>(_ column: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try result.withBytes(row, column, body)
    }
    /// A `bytea` column's bytes (the server sends them as `\\x` and hex digits).
    public func bytes(_ column: Int) -> [UInt8] {
        result.withBytes(row, column) { text in
            guard text.count >= 2, text[0] == UInt8(ascii: "\\"), text[1] == UInt8(ascii: "x") else { return Array(text) }
            func nibble(_ c: UInt8) -> UInt8 { c <= 57 ? c &- 48 : (c | 0x20) &- 87 }
            var out: [UInt8] = []
            out.reserveCapacity((text.count - 2) / 2)
            var index = 2
            while index + 1 < text.count {
                out.append(nibble(text[index]) << 4 | nibble(text[index + 1]))
                index += 2
            }
            return out
        }
    }
}
