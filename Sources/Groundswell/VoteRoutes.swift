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
            // One statement decides both "does the idea exist" and "is this a new vote";
            // the trigger on votes keeps the count and the trending score.
            try db.run("""
                INSERT INTO votes (idea_id, user_id, vote_day, created_at)
                SELECT ?, ?, 0, ? WHERE EXISTS (SELECT 1 FROM ideas WHERE id = ? AND hidden = 0)
                ON CONFLICT DO NOTHING
                """, [ideaID, user.id, now, ideaID])
            if db.changes == 0 {
                throw try IdeaJSON.exists(db, id: ideaID) ? APIError.alreadyVoted : APIError.notFound("idea")
            }
            return VoteRoutes.result(.created, ideaID: ideaID, votes: try VoteRoutes.count(db, ideaID: ideaID))
        }
    }

    func retract(_ request: Request) throws -> Reply {
        let ideaID = try context.pathID(request, what: "idea")
        let user = try auth.user(request)
        return context.write { db in
            guard try IdeaJSON.exists(db, id: ideaID) else { throw APIError.notFound("idea") }
            try db.run("DELETE FROM votes WHERE idea_id = ? AND user_id = ? AND vote_day = 0", [ideaID, user.id])
            if db.changes == 0 { throw APIError.voteNotFound }
            return VoteRoutes.result(.ok, ideaID: ideaID, votes: try VoteRoutes.count(db, ideaID: ideaID))
        }
    }

    static func count(_ db: Connection, ideaID: Int64) throws -> Int64 {
        try db.scalarInt("SELECT vote_count FROM ideas WHERE id = ?", [ideaID]) ?? 0
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
