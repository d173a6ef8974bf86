import Rules
import JSON
import HTTPServer
import SQLiteStore
import Storage

/// Lottery draws and closings that are due, for the scheduler and for requests that
/// arrive first.
enum RoundMaintenance {
    static func catchUp(_ db: SQLConnection, roundID: Int64, now: Int64) throws {
        guard let round = try RoundStore.load(db, id: roundID) else { throw APIError.notFound("round") }
        if round.lotteryDue(at: now) { try RoundStore.drawLottery(db, round: round, now: now) }
        if round.closeDue(at: now) { try RoundStore.close(db, roundID: roundID, now: now) }
    }

    /// Announces rounds whose voting has opened (`round.opened`, once per round).
    static func announceOpened(_ db: SQLConnection, now: Int64) throws -> [Int64] {
        let opened = try db.query("""
            SELECT id FROM rounds WHERE opened_announced_at IS NULL AND closed_at IS NULL AND voting_opens_at <= ?
            """, [now]) { $0.int64(0) }
        for id in opened {
            // Conditional, so that of several nodes only one announces it.
            try db.run("UPDATE rounds SET opened_announced_at = ? WHERE id = ? AND opened_announced_at IS NULL", [now, id])
            guard db.changes == 1 else { continue }
            try EventOutbox.emit(db, .roundOpened, now: now) { json in
                json.beginObject()
                json.key("round"); try EventOutbox.writeRound(db, id: id, into: &json)
                json.endObject()
            }
        }
        return opened
    }

    /// Catches up every round; returns the ids of those that needed work.
    @discardableResult
    static func catchUpAll(_ db: SQLConnection, now: Int64) throws -> [Int64] {
        _ = try announceOpened(db, now: now)
        let due = try db.query("""
            SELECT id FROM rounds WHERE closed_at IS NULL AND (voting_closes_at <= ?
                OR (entry_selection = 'lottery' AND lottery_drawn_at IS NULL AND submissions_close_at <= ?))
            ORDER BY voting_closes_at, id
            """, [now, now]) { $0.int64(0) }
        for id in due { try catchUp(db, roundID: id, now: now) }
        return due
    }
}
