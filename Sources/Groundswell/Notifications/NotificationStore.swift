import JSON
import SQLiteStore
import Storage

/// Notifications and follows: every statement about them. Writers call `notifyFollowers` or
/// `notify` inside the transaction of the change they announce (a status change, a comment, a
/// merge, a round's result), so a notification exists exactly when its change committed.
enum NotificationStore {
    /// The kinds a customer can receive.
    enum Kind: String, CaseIterable {
        case statusChanged = "status_changed"
        case comment
        case merged
        case roundResult = "round_result"
        case staffReply = "staff_reply"
    }

    /// Everyone who follows `ideaID` now: explicit followers, and (with `auto_follow` on) its
    /// author, voters and commenters — less whoever muted it, erased accounts and `except`.
    /// Erased accounts are looked up per follower: `IN (SELECT id FROM users …)` made SQLite list
    /// every customer first (0.3–0.66 s at 1,000,000, on the writer for each comment and on the
    /// event loop for each signed-in idea page; docs/performance.md, session 30).
    static let followersSQL = """
        SELECT f.user_id FROM (
            SELECT user_id FROM follows WHERE idea_id = ?1 AND state = 'following'
            UNION
            SELECT u.id FROM users u WHERE u.auto_follow = 1 AND u.id IN (
                SELECT author_id FROM ideas WHERE id = ?1
                UNION SELECT user_id FROM votes WHERE idea_id = ?1
                UNION SELECT author_id FROM comments WHERE idea_id = ?1 AND author_id IS NOT NULL)
        ) f
        WHERE f.user_id IS NOT ?2
          AND f.user_id NOT IN (SELECT user_id FROM follows WHERE idea_id = ?1 AND state = 'muted')
          AND EXISTS (SELECT 1 FROM users d WHERE d.id = f.user_id AND d.deleted_at IS NULL)
        """

    /// Sends `kind` about `ideaID` to its followers (but not `except`, the one who acted).
    static func notifyFollowers(_ db: SQLConnection, ideaID: Int64, kind: Kind, payload: JSONWriter,
                                except: Int64? = nil, now: Int64) throws {
        try db.run("""
            INSERT INTO notifications (user_id, kind, idea_id, payload, created_at, email, email_next_at)
            SELECT u.id, ?3, ?1, ?4, ?5, \(EmailPreferences.stateSQL(kind: "?3", defaultMode: "?6")), ?5
            FROM (\(followersSQL)) f JOIN users u ON u.id = f.user_id
            """, [ideaID, except, kind.rawValue, String(decoding: payload.bytes, as: UTF8.self), now,
                  EmailPreferences.defaultMode(kind).rawValue])
    }

    /// A notice for one customer: to whom, about which idea, what it says.
    struct Notice {
        let userID: Int64
        let ideaID: Int64?
        let payload: JSONWriter
    }

    /// One notice, unless the account was erased.
    private static let noticeSQL = """
        INSERT INTO notifications (user_id, kind, idea_id, payload, created_at, email, email_next_at)
        SELECT u.id, ?1, ?2, ?3, ?4, \(EmailPreferences.stateSQL(kind: "?1", defaultMode: "?6")), ?4
        FROM users u WHERE u.id = ?5 AND u.deleted_at IS NULL
        """

    private static func noticeValues(_ notice: Notice, kind: Kind, now: Int64) -> [SQLiteBindable] {
        [kind.rawValue, notice.ideaID, String(decoding: notice.payload.bytes, as: UTF8.self), now, notice.userID,
         EmailPreferences.defaultMode(kind).rawValue]
    }

    /// Sends `kind` to one customer (an idea's author), unless the account was erased.
    static func notify(_ db: SQLConnection, userID: Int64, ideaID: Int64?, kind: Kind, payload: JSONWriter, now: Int64) throws {
        try db.run(noticeSQL, noticeValues(Notice(userID: userID, ideaID: ideaID, payload: payload), kind: kind, now: now))
    }

    /// Sends `kind` to many customers at once (a round's close tells every entry's author), each
    /// unless the account was erased: one bulk write (`runMany`).
    static func notifyEach(_ db: SQLConnection, _ notices: [Notice], kind: Kind, now: Int64) throws {
        try db.runMany(noticeSQL, notices.map { noticeValues($0, kind: kind, now: now) })
    }

    // MARK: follows

    /// Whether `userID` follows `ideaID` now (explicitly, or implicitly and not muted).
    static func isFollowing(_ db: SQLConnection, userID: Int64, ideaID: Int64) throws -> Bool {
        try db.scalarInt("SELECT 1 FROM (\(followersSQL)) x WHERE x.user_id = ?3", [ideaID, nil as Int64?, userID]) != nil
    }

    static func setFollowing(_ db: SQLConnection, userID: Int64, ideaID: Int64, following: Bool, now: Int64) throws {
        try db.run("""
            INSERT INTO follows (idea_id, user_id, state, created_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (idea_id, user_id) DO UPDATE SET state = excluded.state, created_at = excluded.created_at
            """, [ideaID, userID, following ? "following" : "muted", now])
    }

    /// The customer's explicit choices, for their data export.
    static func writeFollows(_ db: SQLConnection, userID: Int64, into json: inout JSONWriter) throws {
        _ = try db.query("SELECT idea_id, state, created_at FROM follows WHERE user_id = ? ORDER BY idea_id", [userID]) { row in
            json.beginObject()
            json.key("idea_id"); json.int(row.int64(0))
            json.key("following"); json.bool(row.string(1) == "following")
            json.key("at"); json.timestamp(row.int64(2))
            json.endObject()
        }
    }

    // MARK: reading

    static func unreadCount(_ db: SQLConnection, userID: Int64) throws -> Int64 {
        try db.scalarInt("SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL", [userID]) ?? 0
    }

    /// A page of the customer's notifications, newest first, and the cursor for the next.
    static func page(_ db: SQLConnection, userID: Int64, before: Int64, unreadOnly: Bool, limit: Int,
                     into json: inout JSONWriter) throws -> Int64? {
        var last: Int64?
        var count = 0
        _ = try db.query("""
            SELECT id, kind, idea_id, payload, created_at, read_at FROM notifications
            WHERE user_id = ? AND id < ? AND (? = 0 OR read_at IS NULL) ORDER BY id DESC LIMIT ?
            """, [userID, before, unreadOnly, limit + 1]) { row in
            count += 1
            guard count <= limit else { return }
            json.beginObject()
            json.key("id"); json.int(row.int64(0))
            json.key("kind"); json.string(row.string(1))
            json.key("idea_id"); if row.isNull(2) { json.null() } else { json.int(row.int64(2)) }
            json.key("data"); json.raw(Array(row.string(3).utf8))
            json.key("created_at"); json.timestamp(row.int64(4))
            json.key("read"); json.bool(!row.isNull(5))
            json.endObject()
            last = row.int64(0)
        }
        return count > limit ? last : nil
    }

    /// Marks the given notifications (or all) of the customer read; returns the unread count left.
    static func markRead(_ db: SQLConnection, userID: Int64, ids: [Int64]?, now: Int64) throws -> Int64 {
        if let ids {
            try db.runMany("UPDATE notifications SET read_at = ? WHERE id = ? AND user_id = ? AND read_at IS NULL",
                           ids.map { [now, $0, userID] })
        } else {
            try db.run("UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL", [now, userID])
        }
        return try unreadCount(db, userID: userID)
    }

    /// Erasure: the customer's notifications and follows go with the account.
    static func forget(_ db: SQLConnection, userID: Int64) throws {
        try db.run("DELETE FROM notifications WHERE user_id = ?", [userID])
        try db.run("DELETE FROM follows WHERE user_id = ?", [userID])
        try db.run("DELETE FROM email_preferences WHERE user_id = ?", [userID])
        try db.run("UPDATE users SET unsubscribe_token = NULL WHERE id = ?", [userID])
    }

    /// The idea's title, for payloads.
    static func title(_ db: SQLConnection, ideaID: Int64) throws -> String {
        try db.queryOne("SELECT title FROM ideas WHERE id = ?", [ideaID], { $0.string(0) }) ?? ""
    }
}
