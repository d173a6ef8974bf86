import Crypto
import Synchronization

/// Customers recently seen by their token's SHA-256, so a vote does not cost a database
/// read (and a WAL read lock) to learn who is voting. The writer empties the cache after
/// every commit that updates or deletes a `users` row (token rotation, ban, erasure,
/// profile edit) and before it answers that request, so no later request can see the old
/// account. Only hits are kept; the cache is dropped wholesale when it is full.
final class AccountCache: Sendable {
    struct Key: Hashable {
        let a: UInt64, b: UInt64, c: UInt64, d: UInt64

        init(_ digest: SHA256.Digest) {
            (a, b, c, d) = digest.withUnsafeBytes {
                ($0.loadUnaligned(fromByteOffset: 0, as: UInt64.self), $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                 $0.loadUnaligned(fromByteOffset: 16, as: UInt64.self), $0.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
            }
        }
    }

    struct Account {
        let user: AuthenticatedUser
        let banned: Bool
    }

    private struct State {
        var entries: [Key: Account] = [:]
        var generation: UInt64 = 0
    }

    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int = 25_000) {
        self.capacity = capacity
    }

    /// The cached account, and the generation to pass to `store` after a miss.
    func lookup(_ key: Key) -> (account: Account?, generation: UInt64) {
        state.withLock { ($0.entries[key], $0.generation) }
    }

    /// Keeps `account` unless the cache was emptied since `generation` was read (the
    /// account may have been read from a snapshot older than that change).
    func store(_ key: Key, _ account: Account, generation: UInt64) {
        let capacity = self.capacity
        state.withLock { state in
            guard generation == state.generation else { return }
            if state.entries.count >= capacity { state.entries.removeAll(keepingCapacity: true) }
            state.entries[key] = account
        }
    }

    /// Forgets everything (called by the writer after a commit that changed `users`).
    func invalidate() {
        state.withLock { state in
            state.generation &+= 1
            state.entries.removeAll(keepingCapacity: true)
        }
    }

    var count: Int { state.withLock { $0.entries.count } }
}
