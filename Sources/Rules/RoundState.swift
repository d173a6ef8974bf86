/// Where a round is, derived from the clock (and an early close by staff).
public enum RoundState: String, Sendable, CaseIterable {
    case upcoming, submissions, voting, closed

    /// The state at `now` of a round with these windows (times in ms since the epoch).
    public static func at(_ now: Int64, submissionsOpenAt: Int64, submissionsCloseAt: Int64,
                          votingOpensAt: Int64, votingClosesAt: Int64, closedAt: Int64?) -> RoundState {
        if closedAt != nil || now >= votingClosesAt { return .closed }
        if now >= votingOpensAt { return .voting }
        if now >= submissionsOpenAt && now < submissionsCloseAt { return .submissions }
        return .upcoming
    }
}
