import XCTest
import SQLiteStore
import Storage
@testable import Groundswell

/// Writing an event looks up its subscribers with statements SQLite compiles once: a bound
/// `LIKE ?` pattern made it compile them again on every event (a vote reaching a milestone
/// paid for it).
final class EventOutboxTests: ServiceTestCase {
    func testEventsFindTheirSubscribersWithoutCompilingAgain() throws {
        let hook = try client.post("/admin/webhooks", ["url": "https://hooks.example.com/in", "event_types": ["vote.milestone"]],
                                   token: service.adminToken)
        XCTAssertEqual(hook.status, 201, hook.text)
        let other = try client.post("/admin/webhooks", ["url": "https://hooks.example.com/ideas", "event_types": ["idea.created"]],
                                    token: service.adminToken)
        XCTAssertEqual(other.status, 201, other.text)
        let db = try service.connection()
        let emit = { (type: EventType) in
            try db.transaction(.immediate) {
                try EventOutbox.emit(db, type, now: 1_790_000_000_000) { json in
                    json.beginObject()
                    json.key("milestone"); json.int(10)
                    json.endObject()
                }
            }
        }
        for _ in 0..<5 { try emit(.voteMilestone) }
        try emit(.ideaCreated)
        try emit(.commentCreated)  // nobody subscribed: nothing written
        if let sqlite = db.sqlite {
            XCTAssertEqual(sqlite.cachedStatementsPreparedAgain, 0)
        }
        XCTAssertEqual(try db.scalarInt("SELECT COUNT(*) FROM events WHERE type = 'vote.milestone'"), 5)
        XCTAssertEqual(try db.scalarInt("SELECT COUNT(*) FROM events WHERE type = 'idea.created'"), 1)
        XCTAssertEqual(try db.scalarInt("SELECT COUNT(*) FROM events WHERE type = 'comment.created'"), 0)
        XCTAssertEqual(try db.scalarInt("""
            SELECT COUNT(*) FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
            WHERE e.type = 'vote.milestone' AND d.webhook_id = ?
            """, [hook.json["id"] as! Int]), 5)
        XCTAssertEqual(try db.scalarInt("""
            SELECT COUNT(*) FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
            WHERE e.type = 'idea.created' AND d.webhook_id = ?
            """, [other.json["id"] as! Int]), 1)
    }
}
