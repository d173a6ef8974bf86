import JSON
import SQLiteStore
import Storage

/// The vote-farm report's queries: each pattern with its evidence (addresses only as keyed hashes).
enum FraudStore {
    static func report(_ db: SQLConnection, roundID: Int64?) throws -> [UInt8] {
        if let roundID, try RoundStore.load(db, id: roundID) == nil { throw APIError.notFound("round") }
        // Bound, never spliced: NULL means every round and none.
        let inRound = " AND (CAST(?1 AS BIGINT) IS NULL OR v.round_id = ?1)"
        var json = JSONWriter(capacity: 4096)
        json.beginObject()
        json.key("round_id"); if let roundID { json.int(roundID) } else { json.null() }
        json.key("window_minutes"); json.int(FraudRoutes.window / 60_000)
        json.key("findings")
        json.beginArray()
        // 1. Several accounts from one address voting for the same idea within the window.
        _ = try db.query("""
            SELECT v.addr_hash, v.idea_id, COUNT(DISTINCT v.user_id), MIN(v.created_at), MAX(v.created_at), group_concat(DISTINCT v.user_id)
            FROM votes v WHERE v.addr_hash IS NOT NULL\(inRound)
            GROUP BY v.addr_hash, v.idea_id, v.created_at / ?2 HAVING COUNT(DISTINCT v.user_id) >= 3
            ORDER BY COUNT(DISTINCT v.user_id) DESC LIMIT 100
            """, [roundID, FraudRoutes.window]) { row in
            FraudRoutes.writeFinding("shared_address_votes",
                                     summary: "\(row.int64(2)) accounts from one address voted for idea \(row.int64(1)) within \(FraudRoutes.window / 60_000) minutes",
                                     accounts: row.string(5), into: &json) { json in
                json.key("address_hash"); json.string(row.string(0))
                json.key("idea_id"); json.int(row.int64(1))
                json.key("first_vote_at"); json.timestamp(row.int64(3))
                json.key("last_vote_at"); json.timestamp(row.int64(4))
            }
        }
        // 2. Accounts created in a burst from one address, then voting.
        _ = try db.query("""
            SELECT u.signup_addr_hash, COUNT(*), MIN(u.created_at), MAX(u.created_at), group_concat(u.id)
            FROM users u WHERE u.signup_addr_hash IS NOT NULL AND EXISTS (SELECT 1 FROM votes v WHERE v.user_id = u.id\(inRound))
            GROUP BY u.signup_addr_hash, u.created_at / ?2 HAVING COUNT(*) >= 5
            ORDER BY COUNT(*) DESC LIMIT 100
            """, [roundID, FraudRoutes.window]) { row in
            FraudRoutes.writeFinding("signup_burst",
                                     summary: "\(row.int64(1)) voting accounts were created from one address within \(FraudRoutes.window / 60_000) minutes",
                                     accounts: row.string(4), into: &json) { json in
                json.key("address_hash"); json.string(row.string(0))
                json.key("first_signup_at"); json.timestamp(row.int64(2))
                json.key("last_signup_at"); json.timestamp(row.int64(3))
            }
        }
        // 3. Ideas whose votes come mostly from accounts less than a day old.
        for finding in try newAccountVotes(db, roundID: roundID, inRound: inRound) {
            FraudRoutes.writeFinding("new_account_votes",
                                     summary: "\(finding.fromNew) of \(finding.votes) votes for idea \(finding.ideaID) came from accounts less than a day old",
                                     accounts: finding.accounts, into: &json) { json in
                json.key("idea_id"); json.int(finding.ideaID)
                json.key("votes"); json.int(finding.votes)
                json.key("from_new_accounts"); json.int(finding.fromNew)
            }
        }
        // 4. Votes arriving in a burst through one campaign link from accounts less than a day old.
        _ = try db.query("""
            SELECT c.id, c.idea_id, c.label, COUNT(*), MIN(cv.created_at), MAX(cv.created_at), group_concat(cv.user_id)
            FROM campaign_votes cv JOIN campaigns c ON c.id = cv.campaign_id JOIN users u ON u.id = cv.user_id
            LEFT JOIN ideas i ON i.id = c.idea_id
            WHERE cv.created_at - u.created_at < 86400000 AND (CAST(?1 AS BIGINT) IS NULL OR i.round_id = ?1)
            GROUP BY c.id, cv.created_at / ?2 HAVING COUNT(*) >= 5
            ORDER BY COUNT(*) DESC LIMIT 100
            """, [roundID, FraudRoutes.window]) { row in
            FraudRoutes.writeFinding("campaign_burst",
                                     summary: "\(row.int64(3)) votes for idea \(row.int64(1)) came through one campaign link from accounts less than a day old within \(FraudRoutes.window / 60_000) minutes",
                                     accounts: row.string(6), into: &json) { json in
                json.key("campaign_id"); json.int(row.int64(0))
                json.key("idea_id"); json.int(row.int64(1))
                json.key("label"); json.string(row.string(2))
                json.key("first_vote_at"); json.timestamp(row.int64(4))
                json.key("last_vote_at"); json.timestamp(row.int64(5))
            }
        }
        json.endArray()
        json.endObject()
        return json.bytes
    }

    /// A vote "from a new account" was cast less than a day after its author signed up.
    static let newAccountMillis: Int64 = 86_400_000

    struct NewAccountVotes {
        let ideaID: Int64
        let votes: Int64
        let fromNew: Int64
        /// The new accounts' ids, comma-separated.
        let accounts: String
    }

    /// Up to 100 ideas with at least 5 votes, half or more from new accounts, most such votes
    /// first (ties by idea). PostgreSQL joins in SQL (a hash join); SQLite has none, and its
    /// nested loop looked up the author of each of 20,000,000 votes (52 s): here the authors'
    /// sign-up times are read once into an array by id and the votes in one pass in storage
    /// order, then the accounts of the listed ideas by their index. Ids are rowids, dense in
    /// practice; should they ever be far sparser than the rows, SQL does the join as before.
    static func newAccountVotes(_ db: SQLConnection, roundID: Int64?, inRound: String) throws -> [NewAccountVotes] {
        let span = { (table: String) in try db.queryOne("SELECT COALESCE(MAX(id), 0), COUNT(*) FROM \(table)") { ($0.int64(0), $0.int64(1)) } ?? (0, 0) }
        let (users, ideas) = (try span("users"), try span("ideas"))
        guard db.sqlite != nil, users.0 <= 100 * (users.1 + 1_000), ideas.0 <= 100 * (ideas.1 + 1_000) else {
            return try newAccountVotesJoined(db, roundID: roundID, inRound: inRound)
        }
        return try newAccountVotesInMemory(db, roundID: roundID, inRound: inRound, maxUser: users.0, maxIdea: ideas.0)
    }

    /// `newAccountVotes` as one SQL join.
    static func newAccountVotesJoined(_ db: SQLConnection, roundID: Int64?, inRound: String) throws -> [NewAccountVotes] {
        let isNew = "v.created_at - u.created_at < \(newAccountMillis)"
        return try db.query("""
            SELECT v.idea_id, COUNT(*), SUM(CASE WHEN \(isNew) THEN 1 ELSE 0 END),
                   group_concat(CASE WHEN \(isNew) THEN u.id END)
            FROM votes v JOIN users u ON u.id = v.user_id WHERE 1 = 1\(inRound)
            GROUP BY v.idea_id HAVING COUNT(*) >= 5 AND SUM(CASE WHEN \(isNew) THEN 1 ELSE 0 END) * 2 >= COUNT(*)
            ORDER BY SUM(CASE WHEN \(isNew) THEN 1 ELSE 0 END) DESC, v.idea_id LIMIT 100
            """, [roundID]) { row in
            NewAccountVotes(ideaID: row.int64(0), votes: row.int64(1), fromNew: row.int64(2), accounts: row.optionalString(3) ?? "")
        }
    }

    /// `newAccountVotes` with the sign-up times in memory, ids up to `maxUser` and `maxIdea`.
    static func newAccountVotesInMemory(_ db: SQLConnection, roundID: Int64?, inRound: String,
                                        maxUser: Int64, maxIdea: Int64) throws -> [NewAccountVotes] {
        // Sign-up time by account id (Int64.min: no such account).
        var signedUp = [Int64](repeating: .min, count: Int(maxUser) + 1)
        _ = try db.query("SELECT id, created_at FROM users") { row in signedUp[Int(row.int64(0))] = row.int64(1) }
        func isNewVote(user: Int64, at time: Int64) -> Bool? {
            guard user >= 0, user < signedUp.count, signedUp[Int(user)] != .min else { return nil }
            return time - signedUp[Int(user)] < newAccountMillis
        }
        var votes = [Int32](repeating: 0, count: Int(maxIdea) + 1)
        var fromNew = [Int32](repeating: 0, count: Int(maxIdea) + 1)
        _ = try db.query("SELECT v.idea_id, v.user_id, v.created_at FROM votes v WHERE 1 = 1\(inRound)", [roundID]) { row in
            let idea = Int(row.int64(0))
            guard idea >= 0, idea < votes.count, let new = isNewVote(user: row.int64(1), at: row.int64(2)) else { return }
            votes[idea] += 1
            if new { fromNew[idea] += 1 }
        }
        let listed = votes.indices.filter { votes[$0] >= 5 && Int64(fromNew[$0]) * 2 >= Int64(votes[$0]) }
            .sorted { fromNew[$0] != fromNew[$1] ? fromNew[$0] > fromNew[$1] : $0 < $1 }
            .prefix(100)
        return try listed.map { idea in
            var accounts: [String] = []
            _ = try db.query("SELECT v.user_id, v.created_at FROM votes v WHERE v.idea_id = ?2\(inRound)", [roundID, Int64(idea)]) { row in
                if isNewVote(user: row.int64(0), at: row.int64(1)) == true { accounts.append(String(row.int64(0))) }
            }
            return NewAccountVotes(ideaID: Int64(idea), votes: Int64(votes[idea]), fromNew: Int64(fromNew[idea]), accounts: accounts.joined(separator: ","))
        }
    }
}
