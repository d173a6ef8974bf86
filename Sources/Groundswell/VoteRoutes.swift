import HTTPServer
import SQLiteStore

/// Casting and retracting votes. Counts are kept by triggers on the vote rows in the
/// same transaction, so `votes` always equals the number of rows.
struct VoteRoutes {
    let context: AppContext
    let auth: Authenticator

    func register(on router: Router) {
        router.post("/ideas/{id}/votes") { request in try vote(request) }
        router.delete("/ideas/{id}/votes") { request in try retract(request) }
    }

    func vote(_ request: Request) throws -> Reply {
        let ideaID = try context.pathID(request, what: "idea")
        let user = try auth.user(request)
        let now = context.clock.nowMillis()
        return context.write { db in
            guard let current = try db.queryOne("SELECT trend FROM ideas WHERE id = ? AND hidden = 0", [ideaID], { $0.double(0) }) else {
                throw APIError.notFound("idea")
            }
            try db.run("INSERT INTO votes (idea_id, user_id, vote_day, created_at) VALUES (?, ?, 0, ?) ON CONFLICT DO NOTHING",
                       [ideaID, user.id, now])
            if db.changes == 0 { throw APIError.alreadyVoted }
            let trend = Trending.add(current, Trending.exponent(now))
            let votes = try db.queryOne("UPDATE ideas SET trend = ? WHERE id = ? RETURNING vote_count", [trend, ideaID]) { $0.int64(0) } ?? 0
            return VoteRoutes.result(.created, ideaID: ideaID, votes: votes)
        }
    }

    func retract(_ request: Request) throws -> Reply {
        let ideaID = try context.pathID(request, what: "idea")
        let user = try auth.user(request)
        return context.write { db in
            guard try IdeaJSON.exists(db, id: ideaID) else { throw APIError.notFound("idea") }
            try db.run("DELETE FROM votes WHERE idea_id = ? AND user_id = ? AND vote_day = 0", [ideaID, user.id])
            if db.changes == 0 { throw APIError.voteNotFound }
            let votes = try VoteRoutes.recomputeTrend(db, ideaID: ideaID)
            return VoteRoutes.result(.ok, ideaID: ideaID, votes: votes)
        }
    }

    /// Recomputes an idea's trending score from its vote rows; returns its vote count.
    @discardableResult
    static func recomputeTrend(_ db: Connection, ideaID: Int64) throws -> Int64 {
        let times = try db.query("SELECT created_at FROM votes WHERE idea_id = ?", [ideaID]) { $0.int64(0) }
        return try db.queryOne("UPDATE ideas SET trend = ? WHERE id = ? RETURNING vote_count",
                               [Trending.score(times), ideaID]) { $0.int64(0) } ?? 0
    }

    static func result(_ status: HTTPStatus, ideaID: Int64, votes: Int64) -> Response {
        var json = JSONWriter(capacity: 32)
        json.beginObject()
        json.key("idea_id"); json.int(ideaID)
        json.key("votes"); json.int(votes)
        json.endObject()
        return .json(status, json)
    }
}
