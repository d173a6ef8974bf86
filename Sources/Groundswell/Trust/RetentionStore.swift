import SQLiteStore
import Storage

/// Forgetting on schedule: address hashes past the retention period, replay records past
/// their 24 hours.
enum RetentionStore {
    static func purge(_ db: SQLConnection, addressHashesBefore cutoff: Int64, replayKeysBefore keyCutoff: Int64) throws {
        // Votes: only the range since the last purge, found through the id timeline (ids and
        // times grow together), instead of an index every vote would have to update.
        // The value is the id's digits (older SQLite files hold an integer, which SQLite hands
        // out as the same digits).
        let stored = try db.queryOne("SELECT value FROM settings WHERE key = 'addr_purged_vote_id'") {
            Int64(String(decoding: $0.blob(0), as: UTF8.self))
        }
        let done: Int64 = (stored ?? nil) ?? 0
        let maxID = try db.scalarInt("SELECT MAX(id) FROM votes") ?? 0
        let boundary = try VoteTimeline.firstID(db, atOrAfter: cutoff) ?? (maxID + 1)
        if boundary - 1 > done {
            try db.run("UPDATE votes SET addr_hash = NULL WHERE id > ? AND id < ? AND addr_hash IS NOT NULL", [done, boundary])
            try db.run("INSERT INTO settings (key, value) VALUES ('addr_purged_vote_id', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                       [Array(String(boundary - 1).utf8)])
        }
        try db.run("UPDATE users SET signup_addr_hash = NULL WHERE created_at < ? AND signup_addr_hash IS NOT NULL", [cutoff])
        try db.run("DELETE FROM idempotency_keys WHERE created_at < ?", [keyCutoff])
    }
}
