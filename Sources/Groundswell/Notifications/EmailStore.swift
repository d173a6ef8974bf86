import JSON
import SQLiteStore
import Storage

/// The email side of the outbox: notifications whose `email` is `pending` (send now) or
/// `digest` (collect for a daily message), read and settled by the delivery worker.
enum EmailStore {
    /// A recipient as the worker needs them; nil fields mean the customer may no longer be mailed.
    struct Recipient: Sendable {
        let userID: Int64
        let name: String
        let email: String
        let language: EmailComposer.Language
        let unsubscribeToken: String?
        let mayContact: Bool
    }

    struct Job {
        let notificationID: Int64
        let recipient: Recipient
        let item: EmailComposer.Item
        let attempts: Int
        let createdAt: Int64
    }

    static func due(_ db: SQLConnection, now: Int64, limit: Int) throws -> [Int64] {
        try db.query("SELECT id FROM notifications WHERE email = 'pending' AND email_next_at <= ? ORDER BY email_next_at LIMIT ?",
                     [now, limit]) { $0.int64(0) }
    }

    /// Customers whose oldest waiting digest item is at least `interval` old: the partial index
    /// on (created_at, user_id) of digest rows reads only the rows that old.
    static func dueDigests(_ db: SQLConnection, now: Int64, interval: Int64, limit: Int) throws -> [Int64] {
        try db.query("""
            SELECT DISTINCT user_id FROM notifications WHERE email = 'digest' AND created_at <= ? LIMIT ?
            """, [now - interval, limit]) { $0.int64(0) }
    }

    /// Emails waiting (immediate and digest items), each counted on its partial index.
    static func pendingCount(_ db: SQLConnection) throws -> Int64 {
        (try db.scalarInt("SELECT COUNT(*) FROM notifications WHERE email = 'pending'") ?? 0)
            + (try db.scalarInt("SELECT COUNT(*) FROM notifications WHERE email = 'digest'") ?? 0)
    }

    /// Whether any email waits (the check made every second while email is off).
    static func anyPending(_ db: SQLConnection) throws -> Bool {
        try db.scalarInt("SELECT 1 FROM notifications WHERE email = 'pending' LIMIT 1") != nil
            || db.scalarInt("SELECT 1 FROM notifications WHERE email = 'digest' LIMIT 1") != nil
    }

    static func recipient(_ db: SQLConnection, userID: Int64) throws -> Recipient? {
        try db.queryOne("""
            SELECT id, name, email, language, unsubscribe_token, contact_opt_in = 1 AND deleted_at IS NULL AND email <> ''
            FROM users WHERE id = ?
            """, [userID]) { row in
            Recipient(userID: row.int64(0), name: row.string(1), email: row.string(2),
                      language: EmailComposer.Language(rawValue: row.string(3)) ?? .en,
                      unsubscribeToken: row.isNull(4) ? nil : row.string(4), mayContact: row.bool(5))
        }
    }

    /// The item in columns kind, idea_id, payload starting at `column`.
    private static func item(_ row: SQLRow, kind column: Int32) -> EmailComposer.Item? {
        guard let kind = NotificationStore.Kind(rawValue: row.string(column)) else { return nil }
        let payload = (try? JSONParser.parse(Array(row.string(column + 2).utf8))) ?? .object([])
        return EmailComposer.Item(kind: kind, ideaID: row.optionalInt64(column + 1), payload: payload)
    }

    /// The email if it is still due now (read fresh before each attempt).
    static func job(_ db: SQLConnection, notificationID: Int64, now: Int64) throws -> Job? {
        guard let (userID, attempts, item, createdAt) = try db.queryOne("""
            SELECT user_id, email_attempts, kind, idea_id, payload, created_at FROM notifications
            WHERE id = ? AND email = 'pending' AND email_next_at <= ?
            """, [notificationID, now], { row in (row.int64(0), Int(row.int64(1)), item(row, kind: 2), row.int64(5)) }),
              let item, let recipient = try recipient(db, userID: userID) else { return nil }
        return Job(notificationID: notificationID, recipient: recipient, item: item, attempts: attempts, createdAt: createdAt)
    }

    /// The customer's waiting digest items, oldest first (at most 100 per message).
    static func digestItems(_ db: SQLConnection, userID: Int64) throws -> [(id: Int64, item: EmailComposer.Item, createdAt: Int64)] {
        try db.query("""
            SELECT id, kind, idea_id, payload, created_at FROM notifications WHERE user_id = ? AND email = 'digest' ORDER BY id LIMIT 100
            """, [userID]) { row in (row.int64(0), item(row, kind: 1), row.int64(4)) }
            .compactMap { entry in entry.1.map { (id: entry.0, item: $0, createdAt: entry.2) } }
    }

    /// The customer's unsubscribe token, made now if they have none (in the writer).
    static func unsubscribeToken(_ db: SQLConnection, userID: Int64) throws -> String {
        if let token = try db.queryOne("SELECT unsubscribe_token FROM users WHERE id = ? AND unsubscribe_token IS NOT NULL",
                                       [userID], { $0.string(0) }) { return token }
        let token = Tokens.randomHex(bytes: 24)
        try db.run("UPDATE users SET unsubscribe_token = ? WHERE id = ?", [token, userID])
        return token
    }

    static func markSent(_ db: SQLConnection, ids: [Int64], now: Int64) throws {
        try db.runMany("UPDATE notifications SET email = 'sent', email_attempts = email_attempts + 1, email_next_at = ? WHERE id = ?",
                       ids.map { [now, $0] })
    }

    static func markSkipped(_ db: SQLConnection, ids: [Int64]) throws {
        try db.runMany("UPDATE notifications SET email = 'skipped' WHERE id = ? AND email IN ('pending', 'digest')", ids.map { [$0] })
    }

    /// A failed attempt: try again at `next`, or give up (`failed`) when it is nil.
    static func markFailed(_ db: SQLConnection, id: Int64, attempts: Int, next: Int64?) throws {
        try db.run("UPDATE notifications SET email = ?, email_attempts = ?, email_next_at = ? WHERE id = ? AND email = 'pending'",
                   [next == nil ? "failed" : "pending", attempts, next, id])
    }

    static func digestSent(_ db: SQLConnection, userID: Int64, now: Int64) throws {
        try db.run("UPDATE users SET digest_sent_at = ? WHERE id = ?", [now, userID])
    }

    /// With email off, waiting rows are dropped at once, so turning mail on later does not
    /// send a backlog of old news.
    static func skipAll(_ db: SQLConnection) throws -> Int {
        try db.run("UPDATE notifications SET email = 'skipped' WHERE email = 'pending'")
        let pending = db.changes
        try db.run("UPDATE notifications SET email = 'skipped' WHERE email = 'digest'")
        return pending + db.changes
    }

    /// One-click unsubscribe: `kind` set to never, or all contact ended when `kind` is nil.
    /// Returns the customer's language, or nil when the token is unknown.
    static func unsubscribe(_ db: SQLConnection, token: String, kind: NotificationStore.Kind?) throws -> EmailComposer.Language? {
        guard let (userID, language) = try db.queryOne("SELECT id, language FROM users WHERE unsubscribe_token = ? AND deleted_at IS NULL",
                                                       [token], { ($0.int64(0), $0.string(1)) }) else { return nil }
        if let kind {
            try EmailPreferences.set(db, userID: userID, modes: [(kind, .never)])
        } else {
            try db.run("UPDATE users SET contact_opt_in = 0 WHERE id = ?", [userID])
            try db.run("UPDATE notifications SET email = 'skipped' WHERE user_id = ? AND email IN ('pending', 'digest')", [userID])
        }
        return EmailComposer.Language(rawValue: language) ?? .en
    }

    /// Whether a token belongs to a live account (for the confirmation page).
    static func tokenLanguage(_ db: SQLConnection, token: String) throws -> EmailComposer.Language? {
        try db.queryOne("SELECT language FROM users WHERE unsubscribe_token = ? AND deleted_at IS NULL", [token]) {
            EmailComposer.Language(rawValue: $0.string(0)) ?? .en
        }
    }
}
