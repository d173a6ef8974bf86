/// The events a webhook can subscribe to: the contract's one list (docs/api.md shows each
/// payload).
enum EventType: String, CaseIterable, Sendable {
    case ideaCreated = "idea.created"
    case ideaStatusChanged = "idea.status_changed"
    case ideaMerged = "idea.merged"
    case commentCreated = "comment.created"
    case voteMilestone = "vote.milestone"
    case roundOpened = "round.opened"
    case roundClosed = "round.closed"
    case flagCreated = "flag.created"

    /// The milestone a vote count has just reached (10, 100, 1,000, …), or nil.
    static func milestone(reachedAt votes: Int64) -> Int64? {
        guard votes >= 10 else { return nil }
        var power: Int64 = 10
        while power < votes {
            let (next, overflow) = power.multipliedReportingOverflow(by: 10)
            if overflow { return nil }
            power = next
        }
        return power == votes ? power : nil
    }
}
