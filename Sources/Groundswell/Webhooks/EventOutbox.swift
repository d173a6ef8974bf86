import Foundation
import JSON
import SQLiteStore
import Storage

/// Writes webhook events into the outbox, in the caller's transaction: the event exists
/// exactly when the change that caused it committed. One `events` row holds the body every
/// subscriber receives; one `webhook_deliveries` row per subscribed, enabled webhook is the
/// delivery's schedule and log. Nothing is written when no webhook wants the type.
enum EventOutbox {
    /// Records `type` with `data` (a JSON object) for every webhook subscribed to it.
    static func emit(_ db: SQLConnection, _ type: EventType, now: Int64, data: (inout JSONWriter) throws -> Void) throws {
        let subscribed = subscribers(of: type)
        guard try db.scalarInt("SELECT 1 FROM webhooks WHERE \(subscribed) LIMIT 1") != nil else { return }
        let publicID = "msg_" + Tokens.randomHex(bytes: 12)
        var body = JSONWriter(capacity: 512)
        body.beginObject()
        body.key("type"); body.string(type.rawValue)
        body.key("timestamp"); body.timestamp(now)
        body.key("data")
        try data(&body)
        body.endObject()
        try db.run("INSERT INTO events (public_id, type, payload, created_at) VALUES (?, ?, ?, ?)",
                   [publicID, type.rawValue, String(decoding: body.bytes, as: UTF8.self), now])
        let eventID = db.lastInsertRowID
        try db.run("""
            INSERT INTO webhook_deliveries (webhook_id, event_id, state, next_attempt_at, created_at)
            SELECT id, ?, 'pending', ?, ? FROM webhooks WHERE \(subscribed)
            """, [eventID, now, now])
    }

    /// The condition for the enabled webhooks subscribed to `type`, with the type's pattern written
    /// into the SQL: a `LIKE ?` makes SQLite prepare the statement again every time its pattern is
    /// bound (it may plan around the pattern), which cost every vote that reached a milestone
    /// about as much as the vote itself. A type name is one of `EventType`'s constants, never input.
    private static func subscribers(of type: EventType) -> String {
        "enabled = 1 AND deleted_at IS NULL AND event_types LIKE '% \(type.rawValue) %'"
    }

    /// An idea as events show it: id, title, status, category, author's display name, votes.
    static func writeIdea(_ db: SQLConnection, id: Int64, into json: inout JSONWriter) throws {
        let found: Void? = try db.queryOne("""
            SELECT i.id, i.title, i.status, i.category, u.name, i.vote_count, i.round_id, i.created_at
            FROM ideas i JOIN users u ON u.id = i.author_id WHERE i.id = ?
            """, [id]) { row -> Void in
            json.beginObject()
            json.key("id"); json.int(row.int64(0))
            json.key("title"); json.string(row.string(1))
            json.key("status"); json.string(row.string(2))
            json.key("category"); if row.isNull(3) { json.null() } else { json.string(row.string(3)) }
            json.key("author_name"); json.string(row.string(4))
            json.key("votes"); json.int(row.int64(5))
            json.key("round_id"); if row.isNull(6) { json.null() } else { json.int(row.int64(6)) }
            json.key("created_at"); json.timestamp(row.int64(7))
            json.endObject()
        }
        if found == nil { json.null() }
    }

    /// A round as events show it.
    static func writeRound(_ db: SQLConnection, id: Int64, into json: inout JSONWriter) throws {
        let found: Void? = try db.queryOne("""
            SELECT id, name, voting_opens_at, voting_closes_at, votes_per_user_per_day, currency, vote_count, closed_at
            FROM rounds WHERE id = ?
            """, [id]) { row -> Void in
            json.beginObject()
            json.key("id"); json.int(row.int64(0))
            json.key("name"); json.string(row.string(1))
            json.key("voting_opens_at"); json.timestamp(row.int64(2))
            json.key("voting_closes_at"); json.timestamp(row.int64(3))
            json.key("votes_per_user_per_day"); json.int(row.int64(4))
            json.key("currency"); json.string(row.string(5))
            json.key("votes"); json.int(row.int64(6))
            json.key("closed_at"); if let at = row.optionalInt64(7) { json.timestamp(at) } else { json.null() }
            json.endObject()
        }
        if found == nil { json.null() }
    }

    /// Announces a vote milestone once per idea and milestone (called after a vote counted).
    static func voteCounted(_ db: SQLConnection, ideaID: Int64, votes: Int64, now: Int64) throws {
        guard let milestone = EventType.milestone(reachedAt: votes) else { return }
        try db.run("UPDATE ideas SET vote_milestone = ? WHERE id = ? AND vote_milestone < ?", [milestone, ideaID, milestone])
        guard db.changes > 0 else { return }
        try emit(db, .voteMilestone, now: now) { json in
            json.beginObject()
            json.key("milestone"); json.int(milestone)
            json.key("idea"); try writeIdea(db, id: ideaID, into: &json)
            json.endObject()
        }
    }

}
