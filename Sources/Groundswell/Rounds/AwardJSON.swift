import Rules
import JSON
import HTTPServer
import SQLiteStore
import Storage

/// Awards as the API shows them.
enum AwardJSON {
    static func write(_ row: SQLRow, into json: inout JSONWriter) {
        json.beginObject()
        json.key("id"); json.int(row.int64(0))
        json.key("round_id"); json.int(row.int64(1))
        json.key("tier"); json.optionalString(row.optionalString(2))
        json.key("idea_id"); json.int(row.int64(3))
        json.key("amount"); json.int(row.int64(4))
        json.key("currency"); json.string(row.string(5))
        json.key("rank"); json.int(row.int64(6))
        json.key("awarded_at"); json.timestamp(row.int64(7))
        json.endObject()
    }

    static let select = """
        SELECT a.id, a.round_id, a.tier, a.idea_id, a.amount, r.currency, a.rank, a.awarded_at
        FROM awards a JOIN rounds r ON r.id = a.round_id JOIN ideas i ON i.id = a.idea_id
        """

    static func list(_ db: SQLConnection, roundID: Int64) throws -> [UInt8] {
        var json = JSONWriter(capacity: 1024)
        json.beginArray()
        _ = try db.query("\(select) WHERE a.round_id = ? ORDER BY (SELECT position FROM round_tiers t WHERE t.round_id = a.round_id AND t.name = a.tier), a.rank",
                         [roundID]) { write($0, into: &json) }
        json.endArray()
        return json.bytes
    }

    static func page(_ db: SQLConnection, where condition: String, _ values: [SQLiteBindable], limit: Int, after: Int64,
                     orderByRank: Bool) throws -> [UInt8] {
        let order = orderByRank
            ? "(SELECT position FROM round_tiers t WHERE t.round_id = a.round_id AND t.name = a.tier), a.rank, a.id"
            : "a.id"
        return try PageWriter.write(db, sql: "\(select) WHERE \(condition) AND a.id > ? ORDER BY \(order) LIMIT ?",
                                    values: values + [after], limit: limit,
                                    cursor: { orderByRank ? nil : Cursor(kind: "awards", values: [String($0.int64(0))]) },
                                    item: { write($0, into: &$1) })
    }
}
