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
        _ = try db.query("""
            SELECT v.idea_id, COUNT(*), SUM(CASE WHEN v.created_at - u.created_at < 86400000 THEN 1 ELSE 0 END),
                   group_concat(CASE WHEN v.created_at - u.created_at < 86400000 THEN u.id END)
            FROM votes v JOIN users u ON u.id = v.user_id WHERE 1 = 1\(inRound)
            GROUP BY v.idea_id HAVING COUNT(*) >= 5 AND SUM(CASE WHEN v.created_at - u.created_at < 86400000 THEN 1 ELSE 0 END) * 2 >= COUNT(*)
            ORDER BY SUM(CASE WHEN v.created_at - u.created_at < 86400000 THEN 1 ELSE 0 END) DESC LIMIT 100
            """, [roundID]) { row in
            FraudRoutes.writeFinding("new_account_votes",
                                     summary: "\(row.int64(2)) of \(row.int64(1)) votes for idea \(row.int64(0)) came from accounts less than a day old",
                                     accounts: row.optionalString(3) ?? "", into: &json) { json in
                json.key("idea_id"); json.int(row.int64(0))
                json.key("votes"); json.int(row.int64(1))
                json.key("from_new_accounts"); json.int(row.int64(2))
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
}
