import Foundation

/// Calendar days in a round's timezone: which "day" a vote falls on, and when the next
/// one starts (for `Retry-After`). Offsets come from the IANA database, DST included.
public struct LocalTime: Sendable {
    public let timeZone: TimeZone

    public init?(identifier: String) {
        guard let zone = TimeZone(identifier: identifier) else { return nil }
        timeZone = zone
    }

    private func offsetMillis(at millis: Int64) -> Int64 {
        Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(millis) / 1000))) * 1000
    }

    /// Days since 1970-01-01 in this timezone.
    public func day(at millis: Int64) -> Int64 {
        let local = millis + offsetMillis(at: millis)
        return local >= 0 ? local / 86_400_000 : (local - 86_399_999) / 86_400_000
    }

    /// The instant (UTC millis) when the local day after `day(at:)` begins.
    public func nextMidnight(after millis: Int64) -> Int64 {
        let localMidnight = (day(at: millis) + 1) * 86_400_000
        var guess = localMidnight - offsetMillis(at: millis)
        // The offset at midnight may differ (DST change that day): correct once or twice.
        for _ in 0..<2 {
            let corrected = localMidnight - offsetMillis(at: guess)
            if corrected == guess { break }
            guess = corrected
        }
        return max(guess, millis + 1)
    }
}
