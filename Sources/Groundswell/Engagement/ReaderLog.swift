import HTTPServer
import Synchronization

/// Page views waiting for the next rollup, counted per UTC day, reader and scope. A signed-in
/// customer is their account (`u<id>`); an anonymous reader is `v` + the first 16 bytes (hex)
/// of HMAC-SHA-256(a daily salt, address + user agent). The salt is random, kept only in memory
/// and replaced when the UTC day changes, so a reader can be told apart within a day but never
/// followed across days, and no address (nor a cookie) is ever stored.
final class ReaderLog: Sendable {
    struct Key: Hashable, Sendable {
        let day: Int64
        let actor: String
        let scope: String

        /// The order of `activity_days`' primary key (scope, day, actor), texts compared as
        /// SQLite's BINARY collation does: by their UTF-8 bytes.
        static func precedesInTable(_ a: Key, _ b: Key) -> Bool {
            if a.scope != b.scope { return a.scope.utf8.lexicographicallyPrecedes(b.scope.utf8) }
            if a.day != b.day { return a.day < b.day }
            return a.actor.utf8.lexicographicallyPrecedes(b.actor.utf8)
        }
    }

    private struct State {
        var day: Int64 = -1
        var salt = KeyedHash(key: [])
        var counts: [Key: Int64] = [:]
        var dropped = 0
    }

    /// Views kept between two rollups at most (a flood of distinct readers is dropped, counted).
    static let capacity = 200_000

    private let state = Mutex(State())

    /// One page view by `userID` (or, without one, by the request's reader) in each of `scopes`
    /// (always the whole site `""`; an idea's category and round too).
    func record(_ request: Request, address: String, userID: Int64?, scopes: [String], now: Int64) {
        let day = now / 86_400_000
        state.withLock { state in
            if state.day != day {
                var generator = SystemRandomNumberGenerator()
                state.salt = KeyedHash(key: (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
                state.day = day
            }
            let actor: String
            if let userID {
                actor = "u\(userID)"
            } else {
                let reader = Array((address + "\u{0}" + (request.headers["user-agent"] ?? "")).utf8)
                actor = "v" + Hex.string(Array(state.salt.code(reader).prefix(16)))
            }
            for scope in ["" ] + scopes {
                let key = Key(day: day, actor: actor, scope: scope)
                if state.counts[key] == nil && state.counts.count >= ReaderLog.capacity {
                    state.dropped += 1
                    continue
                }
                state.counts[key, default: 0] += 1
            }
        }
    }

    /// Takes the views recorded so far (the rollup writes them).
    func drain() -> [Key: Int64] {
        state.withLock { state in
            defer { state.counts = [:] }
            return state.counts
        }
    }

    /// Puts back views a rollup took but could not write (its write failed, or it gave way to
    /// another node's), for the next one. Counted even past `capacity`: each was admitted once.
    func restore(_ views: [Key: Int64]) {
        guard !views.isEmpty else { return }
        state.withLock { state in
            for (key, count) in views { state.counts[key, default: 0] += count }
        }
    }

    var pending: Int { state.withLock { $0.counts.count } }
    var dropped: Int { state.withLock { $0.dropped } }
}
