import JSON
import SQLiteStore
import Storage

/// Every statement about customer accounts (sign-up, profile, token, erasure, the export).
enum UserStore {
    /// A new account; 409 `email_taken` when the email (case-insensitively) is in use.
    static func create(_ db: SQLConnection, name: String, email: String, tokenHash: [UInt8], at now: Int64,
                       addressHash: String) throws -> Int64 {
        do {
            try db.run("INSERT INTO users (name, email, email_norm, token_hash, created_at, signup_addr_hash) VALUES (?, ?, ?, ?, ?, ?)",
                       [name, email, email.lowercased(), tokenHash, now, addressHash])
        } catch where StorageFailure.isUniqueViolation(error) {
            throw APIError.emailTaken
        }
        return db.lastInsertRowID
    }

    /// The caller's own profile (the only place a customer's email is shown to them).
    static func profile(_ db: SQLConnection, userID: Int64) throws -> [UInt8]? {
        try db.queryOne("SELECT id, name, email, created_at, contact_opt_in, auto_follow, language FROM users WHERE id = ?", [userID]) { row -> [UInt8] in
            var json = JSONWriter()
            json.beginObject()
            json.key("id"); json.int(row.int64(0))
            json.key("name"); json.string(row.string(1))
            json.key("email"); json.string(row.string(2))
            json.key("contact_opt_in"); json.bool(row.bool(4))
            json.key("auto_follow"); json.bool(row.bool(5))
            json.key("language"); json.string(row.string(6))
            json.key("email_preferences"); try EmailPreferences.write(db, userID: userID, into: &json)
            json.key("created_at"); json.timestamp(row.int64(3))
            json.endObject()
            return json.bytes
        }
    }

    static func update(_ db: SQLConnection, userID: Int64, name: String?, contactOptIn: Bool?, autoFollow: Bool?, language: String?) throws {
        if let language { try db.run("UPDATE users SET language = ? WHERE id = ?", [language, userID]) }
        if let name { try db.run("UPDATE users SET name = ? WHERE id = ?", [name, userID]) }
        if let contactOptIn { try db.run("UPDATE users SET contact_opt_in = ? WHERE id = ?", [contactOptIn, userID]) }
        if let autoFollow { try db.run("UPDATE users SET auto_follow = ? WHERE id = ?", [autoFollow, userID]) }
    }

    /// The account a token hash belongs to, with whether it is banned.
    static func account(tokenHash: [UInt8], in db: SQLConnection) throws -> AccountCache.Account? {
        try db.queryOne("SELECT id, banned_at IS NOT NULL FROM users WHERE token_hash = ?", [tokenHash]) {
            AccountCache.Account(user: AuthenticatedUser(id: $0.int64(0)), banned: $0.bool(1))
        }
    }

    /// The largest account id (0 with none): how many accounts there can be.
    static func largestID(_ db: SQLConnection) throws -> Int64 {
        try db.scalarInt("SELECT COALESCE(MAX(id), 0) FROM users") ?? 0
    }

    /// Up to `limit` accounts after id `after`, in id order, for filling the account cache; and
    /// the last id read (nil: none left). Accounts without a token are passed over.
    static func accounts(after: Int64, limit: Int, in db: SQLConnection) throws
        -> (accounts: [(key: AccountCache.Key, id: Int64, banned: Bool)], last: Int64?) {
        var accounts: [(key: AccountCache.Key, id: Int64, banned: Bool)] = []
        var last: Int64?
        _ = try db.query("SELECT id, token_hash, banned_at IS NOT NULL FROM users WHERE id > ? ORDER BY id LIMIT ?",
                         [after, Int64(limit)]) { row in
            last = row.int64(0)
            if let key = AccountCache.Key(hash: row.blob(1)) { accounts.append((key, row.int64(0), row.bool(2))) }
        }
        return (accounts, last)
    }

    /// When the account was banned: `.some(nil)` when it is not, nil when there is no account.
    static func bannedAt(_ db: SQLConnection, userID: Int64) throws -> Int64?? {
        try db.queryOne("SELECT banned_at FROM users WHERE id = ?", [userID], { $0.optionalInt64(0) })
    }

    static func setBannedAt(_ db: SQLConnection, userID: Int64, _ at: Int64?) throws {
        try db.run("UPDATE users SET banned_at = ? WHERE id = ?", [at, userID])
    }

    static func replaceToken(_ db: SQLConnection, userID: Int64, tokenHash: [UInt8]) throws {
        try db.run("UPDATE users SET token_hash = ? WHERE id = ?", [tokenHash, userID])
    }

    /// Erasure: name replaced, email and contact choice cleared, token revoked, address hashes gone.
    /// What this transaction deletes is overwritten (not just unlinked), and after the commit the
    /// WAL is folded into the file and truncated: no copy of the email or name is left in either.
    static func erase(_ db: SQLConnection, userID: Int64, formerName: String, revokedTokenHash: [UInt8], at now: Int64) throws {
        // PostgreSQL has no such switch: the old row versions go when autovacuum reclaims them
        // (docs/privacy.md).
        if let sqlite = db.sqlite {
            try sqlite.execute("PRAGMA secure_delete = ON")
            sqlite.afterCommit { sqlite in
                try? sqlite.execute("PRAGMA secure_delete = FAST")
                try? sqlite.checkpoint()
            }
        }
        try db.run("""
            UPDATE users SET name = ?, email = ?, email_norm = ?, token_hash = ?, contact_opt_in = 0,
                   signup_addr_hash = NULL, password_hash = NULL, deleted_at = ?
            WHERE id = ?
            """, [formerName, "", "deleted:\(userID)", revokedTokenHash, now, userID])
        try db.run("UPDATE votes SET addr_hash = NULL WHERE user_id = ?", [userID])
    }

    /// The export's members from profile to awards (`GET /me/data`).
    static func writeExport(_ db: SQLConnection, userID: Int64, into json: inout JSONWriter) throws {
        json.key("profile"); json.raw(try profile(db, userID: userID) ?? [])
        json.key("ideas")
        json.beginArray()
        _ = try db.query("SELECT \(IdeaJSON.columns), i.hidden \(IdeaJSON.from) WHERE i.author_id = ? ORDER BY i.id", [userID]) {
            IdeaJSON.write($0, into: &json)
        }
        json.endArray()
        json.key("comments")
        json.beginArray()
        try CommentStore.writeByAuthor(db, userID: userID, into: &json)
        json.endArray()
        json.key("votes")
        json.beginArray()
        _ = try db.query("SELECT idea_id, round_id, created_at FROM votes WHERE user_id = ? ORDER BY id", [userID]) { row in
            json.beginObject()
            json.key("idea_id"); json.int(row.int64(0))
            json.key("round_id"); if row.isNull(1) { json.null() } else { json.int(row.int64(1)) }
            json.key("voted_at"); json.timestamp(row.int64(2))
            json.endObject()
        }
        json.endArray()
        json.key("voided_votes")
        json.beginArray()
        _ = try db.query("SELECT idea_id, round_id, created_at, voided_at, reason FROM voided_votes WHERE user_id = ? ORDER BY id", [userID]) { row in
            json.beginObject()
            json.key("idea_id"); json.int(row.int64(0))
            json.key("round_id"); if row.isNull(1) { json.null() } else { json.int(row.int64(1)) }
            json.key("voted_at"); json.timestamp(row.int64(2))
            json.key("voided_at"); json.timestamp(row.int64(3))
            json.key("reason"); json.string(row.string(4))
            json.endObject()
        }
        json.endArray()
        json.key("flags")
        json.beginArray()
        try FlagStore.writeByUser(db, userID: userID, into: &json)
        json.endArray()
        json.key("awards")
        json.beginArray()
        _ = try db.query("\(AwardJSON.select) WHERE i.author_id = ? ORDER BY a.id", [userID]) { AwardJSON.write($0, into: &json) }
        json.endArray()
    }

    /// An account as staff see it (`GET /admin/users/{id}`): the only place with its email.
    static func staffViewJSON(_ db: SQLConnection, userID id: Int64) throws -> [UInt8]? {
        try db.queryOne("""
            SELECT id, name, email, created_at, banned_at,
                   (SELECT COUNT(*) FROM ideas WHERE author_id = users.id), (SELECT COUNT(*) FROM votes WHERE user_id = users.id)
            FROM users WHERE id = ?
            """, [id]) { row -> [UInt8] in
            var json = JSONWriter()
            json.beginObject()
            json.key("id"); json.int(row.int64(0))
            json.key("name"); json.string(row.string(1))
            json.key("email"); json.string(row.string(2))
            json.key("created_at"); json.timestamp(row.int64(3))
            json.key("banned"); json.bool(!row.isNull(4))
            json.key("ideas"); json.int(row.int64(5))
            json.key("votes"); json.int(row.int64(6))
            json.endObject()
            return json.bytes
        }
    }
}
