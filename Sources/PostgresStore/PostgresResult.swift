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

    public subscript(row: Int) -> PostgresRow { PostgresRow(result: self, row: Int32(row)) }

    fileprivate func isNull(_ row: Int32, _ column: Int) -> Bool { PQgetisnull(handle, row, Int32(column)) == 1 }
    fileprivate func text(_ row: Int32, _ column: Int) -> String { String(cString: PQgetvalue(handle, row, Int32(column))) }
}

/// One row of a result (valid while the result is).
public struct PostgresRow {
    fileprivate let result: PostgresResult
    fileprivate let row: Int32

    public func isNull(_ column: Int) -> Bool { result.isNull(row, column) }
    public func string(_ column: Int) -> String { result.text(row, column) }
    public func optionalString(_ column: Int) -> String? { isNull(column) ? nil : string(column) }
    public func int64(_ column: Int) -> Int64 { Int64(string(column)) ?? 0 }
    public func optionalInt64(_ column: Int) -> Int64? { isNull(column) ? nil : Int64(string(column)) }
    public func double(_ column: Int) -> Double { Double(string(column)) ?? 0 }
    public func bool(_ column: Int) -> Bool { string(column) == "t" }
}
