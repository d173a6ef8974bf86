import Rules
import JSON
import HTTPServer
import SQLiteStore
import Storage

/// Casting and retracting votes. Counts change in the same transaction as the vote rows
/// (VoteLedger on insert, triggers on delete), so `votes` always equals the number of rows.
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
        let address = request.clientHash(context.client)
        // The campaign link that brought this browser here, if any (issue 18).
        let campaign = CampaignCookie.arrival(request, ideaID: ideaID, now: now)
        try refuseKnownRepeat(request, ideaID: ideaID, userID: user.id)
        context.votePrefetch?.warm(idea: ideaID, user: user.id)
        return context.write(request) { [knownVotes = context.knownVotes] db in
            let idea = try IdeaJSON.requireOpenForParticipation(db, id: ideaID)
            // Outside rounds: one vote per person per idea, ever (day 0); inside: the round's rules.
            let vote = idea.roundID == nil ? RoundEntry.VoteContext(roundID: nil, day: 0)
                : try RoundEntry.voteContext(db, ideaID: ideaID, userID: user.id, now: now)
            guard try VoteLedger.record(db, ideaID: ideaID, userID: user.id, day: vote.day, at: now,
                                        roundID: vote.roundID, addressHash: address,
                                        current: vote.roundID == idea.roundID ? (votes: idea.votes, trend: idea.trend) : nil)
            else {
                if vote.roundID == nil, let knownVotes {
                    let generation = knownVotes.generation
                    db.afterCommit { _ in knownVotes.remember(idea: ideaID, user: user.id, readAt: generation) }
                }
                throw APIError.alreadyVoted()
            }
            if let campaign {
                try CampaignStore.attribute(db, campaignID: campaign, ideaID: ideaID, voteID: db.lastInsertRowID, userID: user.id, now: now)
            }
            VoteRoutes.announce(db, context.live, ideaID: ideaID, roundID: vote.roundID)
            let votes = vote.roundID == idea.roundID ? idea.votes + 1 : try VoteLedger.count(db, ideaID: ideaID)
            if vote.roundID == idea.roundID { try EventOutbox.voteCounted(db, ideaID: ideaID, votes: votes, now: now) }
            return VoteRoutes.result(.created, ideaID: ideaID, votes: votes)
        }
    }

    /// A repeat the writer already refused (`KnownVotes`) is refused here, without a batch. A
    /// request with an idempotency key goes to the writer: its first answer is the one kept.
    private func refuseKnownRepeat(_ request: Request, ideaID: Int64, userID: Int64) throws {
        guard let knownVotes = context.knownVotes, request.app.idempotency == nil,
              knownVotes.contains(idea: ideaID, user: userID) else { return }
        knownVotes.noteRefusal()
        throw APIError.alreadyVoted()
    }

    func retract(_ request: Request) throws -> Reply {
        let ideaID = try context.pathID(request, what: "idea")
        let user = try auth.user(request)
        let now = context.clock.nowMillis()
        return context.write(request) { db in
            let roundID = try IdeaJSON.requireOpenForParticipation(db, id: ideaID).roundID
            if let roundID {
                // In a round only today's vote can be taken back, and only while voting is open.
                let round = try RoundStore.require(db, id: roundID)
                try RoundEntry.requireVotingOpen(round, now: now)
                let day = RoundEntry.day(of: round, at: now)
                guard try VoteLedger.retract(db, ideaID: ideaID, userID: user.id, day: day, roundID: roundID) else {
                    throw APIError.voteNotFound
                }
            } else {
                guard try VoteLedger.retract(db, ideaID: ideaID, userID: user.id, day: 0, roundID: nil) else {
                    throw APIError.voteNotFound
                }
            }
            try CampaignStore.forgetRetracted(db, ideaID: ideaID, userID: user.id)
            VoteRoutes.announce(db, context.live, ideaID: ideaID, roundID: roundID)
            return VoteRoutes.result(.ok, ideaID: ideaID, votes: try VoteLedger.count(db, ideaID: ideaID))
        }
    }

    /// Live streams of the idea (and its round) learn of the vote once it committed.
    static func announce(_ db: SQLConnection, _ live: LiveEvents, ideaID: Int64, roundID: Int64?) {
        db.afterCommit { _ in
            live.changed(.idea(ideaID))
            if let roundID { live.changed(.round(roundID)) }
        }
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
