/// When a failed delivery is tried again: the delay after the n-th failed attempt, with
/// ±20 % jitter so that receivers coming back from an outage are not hit by every sender
/// at once. The default follows Standard Webhooks practice: 5 s, 5 min, 30 min, 2 h, 5 h,
/// 10 h, 10 h — eight attempts over 27.6 hours — after which the delivery has failed.
public struct RetrySchedule: Sendable, Equatable {
    /// Delays in milliseconds after the 1st, 2nd, … failed attempt.
    public let delays: [Int64]

    public static let webhooks = RetrySchedule(seconds: [5, 300, 1800, 7200, 18_000, 36_000, 36_000])
    /// Email: a mail server that is down for a while is normal; two days of tries.
    public static let email = RetrySchedule(seconds: [60, 300, 1800, 7200, 21_600, 43_200, 86_400])

    public init(seconds: [Double]) {
        delays = seconds.map { Int64(($0 * 1000).rounded()) }
    }

    /// Parses "5,300,1800" (seconds); nil if it is not a list of positive numbers.
    public init?(parsing text: String) {
        let parts = text.split(separator: ",").map { Double(String($0.filter { $0 != " " })) }
        guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
        self.init(seconds: parts.map { $0! })
    }

    /// Total attempts: the first and one per delay.
    public var attempts: Int { delays.count + 1 }

    /// Time from the first attempt to the last (without jitter).
    public var span: Int64 { delays.reduce(0, +) }

    /// When to try again after `attempts` failed attempts (1-based), or nil when they are
    /// used up. `unit` in [0, 1) picks the jitter.
    public func nextAttempt(after attempts: Int, at now: Int64, unit: Double) -> Int64? {
        guard attempts >= 1, attempts <= delays.count else { return nil }
        let base = Double(delays[attempts - 1])
        return now + Int64(base * (0.8 + 0.4 * unit))
    }
}
