import JSON
import Rules
import SQLiteStore
import Storage

/// The operating figures of `GET /admin/stats`.
enum StatsStore {
    static func json(_ db: SQLConnection, now: Int64, dayStart: Int64) throws -> [UInt8] {
        var json = JSONWriter(capacity: 1024)
        json.beginObject()
        json.key("users"); json.int(try db.scalarInt("SELECT COUNT(*) FROM users") ?? 0)
        json.key("ideas")
        json.beginObject()
        var total: Int64 = 0
        var byStatus: [String: Int64] = [:]
        _ = try db.query("SELECT status, COUNT(*) FROM ideas GROUP BY status") { byStatus[$0.string(0)] = $0.int64(1) }
        for status in IdeaRoutes.statuses {
            json.key(dynamic: status); json.int(byStatus[status] ?? 0)
            total += byStatus[status] ?? 0
        }
        json.key("total"); json.int(total)
        json.key("hidden"); json.int(try db.scalarInt("SELECT COUNT(*) FROM ideas WHERE hidden = 1") ?? 0)
        json.endObject()
        json.key("votes")
        json.beginObject()
        let firstToday = try VoteTimeline.firstID(db, atOrAfter: dayStart)
        json.key("today"); json.int(try firstToday.map { try db.scalarInt("SELECT COUNT(*) FROM votes WHERE id >= ?", [$0]) ?? 0 } ?? 0)
        json.key("total"); json.int(try db.scalarInt("SELECT COUNT(*) FROM votes") ?? 0)
        json.endObject()
        json.key("open_flags"); json.int(try db.scalarInt("SELECT COUNT(*) FROM flags WHERE state = 'open'") ?? 0)
        json.key("current_round")
        let current = try db.scalarInt("""
            SELECT id FROM rounds WHERE closed_at IS NULL AND voting_closes_at > ? AND submissions_open_at <= ?
            ORDER BY voting_closes_at LIMIT 1
            """, [now, now])
        if let current, let round = try RoundStore.load(db, id: current) {
            round.write(into: &json, now: now, entryCount: try RoundStore.entryCount(db, roundID: current))
        } else {
            json.null()
        }
        json.endObject()
        return json.bytes
    }
}
