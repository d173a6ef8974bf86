import HTTPServer
import JSON
import Rules
import SQLiteStore
import Storage

/// `GET /ideas/{id}/events` (vote count, comments, status) and `GET /rounds/{id}/events` (the
/// leaderboard, your remaining votes today when signed in, the close) as server-sent events.
struct LiveRoutes {
    let context: AppContext
    let auth: Authenticator

    func register(on router: Router) {
        router.get("/ideas/{id}/events") { request in try ideaEvents(request) }
        router.get("/rounds/{id}/events") { request in try roundEvents(request) }
    }

    func ideaEvents(_ request: Request) throws -> Reply {
        let id = try context.pathID(request, what: "idea")
        let response = try context.live.subscribe(.idea(id), userID: nil, client: request.clientHash(context.client),
                                                  lastEventID: request.headers["last-event-id"]) {
            try context.read { try IdeaJSON.liveState($0, id: id) } != nil
        }
        guard let response else { throw APIError.notFound("idea") }
        return .response(response)
    }

    func roundEvents(_ request: Request) throws -> Reply {
        let id = try context.pathID(request, what: "round")
        // A browser's session counts too (the round page shows its reader's votes left).
        let userID = Authenticator.bearerToken(request) != nil ? try auth.user(request).id
            : SessionCookie.value(request) == nil ? nil : (try? auth.user(request))?.id
        let response = try context.live.subscribe(.round(id), userID: userID, client: request.clientHash(context.client),
                                                  lastEventID: request.headers["last-event-id"]) {
            try context.read { try RoundStore.load($0, id: id) } != nil
        }
        guard let response else { throw APIError.notFound("round") }
        return .response(response)
    }

    /// `{"round_id","state","final","remaining_votes","resets_at","leaderboard"}`; the remaining
    /// votes (today, in the round's time zone) only for a signed-in customer during voting. The
    /// leaderboard is ranked once for everyone in `userIDs` and for readers who are not signed in.
    static func roundState(_ db: SQLConnection, id: Int64, userIDs: [Int64], now: Int64) throws -> LiveEvents.Snapshot? {
        guard let round = try RoundStore.load(db, id: id) else { return nil }
        let state = round.state(at: now)
        let final = round.closedAt != nil
        // The object up to the leaderboard's value; the leaderboard and the closing brace follow.
        func head(_ personal: (inout JSONWriter) throws -> Void) rethrows -> [UInt8] {
            var json = JSONWriter(capacity: 256)
            json.beginObject()
            json.key("round_id"); json.int(id)
            json.key("state"); json.string(state.rawValue)
            json.key("final"); json.bool(final)
            try personal(&json)
            json.key("leaderboard")
            return json.bytes
        }
        let leaderboard = try RoundRoutes.leaderboardJSON(db, round: round, tier: nil)
        let close: [UInt8] = [UInt8(ascii: "}")]
        var snapshot = LiveEvents.Snapshot(shared: LiveEvents.Message(parts: [head { _ in }, leaderboard, close], final: final))
        if state == .voting, let local = LocalTime(identifier: round.timezone) {
            let day = local.day(at: now)
            for userID in userIDs {
                let used = try RoundEntry.votesUsed(db, userID: userID, roundID: id, day: day)
                let personal = head { json in
                    json.key("remaining_votes"); json.int(max(0, round.votesPerUserPerDay - used))
                    json.key("resets_at"); json.timestamp(local.nextMidnight(after: now))
                }
                snapshot.personal[userID] = LiveEvents.Message(parts: [personal, leaderboard, close], final: final)
            }
        }
        return snapshot
    }
}
