import Crypto
import Foundation

/// Customers recently seen by their token's SHA-256, so a vote does not cost a database
/// read (and a WAL read lock) to learn who is voting. The writer empties the cache after
/// every commit that updates or deletes a `users` row (token rotation, ban, erasure,
/// profile edit) and before it answers that request, so no later request can see the old
/// account. Only hits are kept; the cache is dropped wholesale when it is full.
final class AccountCache: @unchecked Sendable {
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

    private let lock = NSLock()
    private var entries: [Key: Account] = [:]
    private var generation: UInt64 = 0
    let capacity: Int

    init(capacity: Int = 100_000) {
        self.capacity = capacity
    }

    /// The cached account, and the generation to pass to `store` after a miss.
    func lookup(_ key: Key) -> (account: Account?, generation: UInt64) {
        lock.lock()
        defer { lock.unlock() }
        return (entries[key], generation)
    }

    /// Keeps `account` unless the cache was emptied since `generation` was read (the
    /// account may have been read from a snapshot older than that change).
    func store(_ key: Key, _ account: Account, generation: UInt64) {
        lock.lock()
        defer { lock.unlock() }
        guard generation == self.generation else { return }
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[key] = account
    }

    /// Forgets everything (called by the writer after a commit that changed `users`).
    func invalidate() {
        lock.lock()
        defer { lock.unlock() }
        generation &+= 1
        entries.removeAll(keepingCapacity: true)
    }

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return entries.count
    }
}
