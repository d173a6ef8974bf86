import Synchronization

/// Failed sign-ins, counted per account (email) and per client address over a sliding window,
/// in memory: 5 failures per account or 20 per address in 15 minutes, then sign-in is refused
/// with `429 rate_limited` and the time to wait. A success clears the account's count. One
/// node's memory is enough for one node; a restart forgets (documented in docs/web.md).
final class SignInLimiter: Sendable {
    static let window: Int64 = 15 * 60_000
    static let perAccount = 5
    static let perAddress = 20

    private struct State {
        var failures: [String: [Int64]] = [:]
    }
    private let state = Mutex(State())

    /// Milliseconds until `account` and `address` may try again, or nil if they may now.
    func wait(account: String, address: String, now: Int64) -> Int64? {
        state.withLock { state in
            var longest: Int64?
            for (key, limit) in [("a:" + account, Self.perAccount), ("i:" + address, Self.perAddress)] {
                let recent = (state.failures[key] ?? []).filter { $0 > now - Self.window }
                state.failures[key] = recent.isEmpty ? nil : recent
                if recent.count >= limit {
                    let until = recent[recent.count - limit] + Self.window - now
                    longest = max(longest ?? 0, until)
                }
            }
            return longest
        }
    }

    func failed(account: String, address: String, now: Int64) {
        state.withLock { state in
            for key in ["a:" + account, "i:" + address] {
                state.failures[key, default: []].append(now)
                if state.failures[key]!.count > 64 { state.failures[key]!.removeFirst(32) }
            }
            if state.failures.count > 100_000 {
                state.failures = state.failures.filter { $0.value.last ?? 0 > now - Self.window }
            }
        }
    }

    func succeeded(account: String) {
        _ = state.withLock { $0.failures.removeValue(forKey: "a:" + account) }
    }
}
