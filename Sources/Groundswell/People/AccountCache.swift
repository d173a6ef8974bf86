import Crypto
import Synchronization

/// Customers by their token's SHA-256, so a vote does not cost a database read (and a WAL
/// read lock) to learn who is voting. On SQLite it is filled at start-up in the background
/// (`AccountPreloader`) and a request that misses adds its account; after every commit that
/// changes `users` rows the writer drops those customers' entries (token rotation, ban,
/// erasure) before it answers that request, so no later request can see the old account. On
/// PostgreSQL, where other nodes change rows too, any change empties it (`invalidate`).
///
/// It holds every customer of a large service (`capacity`, two million by default): with
/// 200,000 customers voting at random, most votes came from someone not seen for a while, a
/// cache of recent customers missed, and the misses were a sixth of the server's time
/// (docs/performance.md, session 12). So an entry is 16 bytes in one flat table — 96 bits of
/// the digest and the account — not a dictionary entry of ~60: 21 bytes a customer at three
/// quarters full. 96 bits: a made-up token matches some cached customer with probability
/// capacity / 2^96 (below 2^-75), never in practice. Full, a miss empties it and starts over.
final class AccountCache: Sendable {
    /// The first 96 bits of a token's SHA-256.
    struct Key: Hashable {
        let high: UInt64, low: UInt32

        init(_ digest: SHA256.Digest) {
            self = digest.withUnsafeBytes { Key(bytes: $0) }
        }

        /// From a stored token hash (32 bytes); nil for anything else.
        init?(hash: [UInt8]) {
            guard hash.count == 32 else { return nil }
            self = hash.withUnsafeBytes { Key(bytes: $0) }
        }

        private init(bytes: UnsafeRawBufferPointer) {
            (high, low) = (bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self), bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        }

        init(high: UInt64, low: UInt32) {
            self.high = high
            self.low = low
        }
    }

    struct Account {
        let user: AuthenticatedUser
        let banned: Bool
    }

    private let table = Mutex(AccountTable())
    let capacity: Int

    init(capacity: Int = 1 << 21) {
        self.capacity = max(1, capacity)
    }

    /// The cached account, and the generation to pass to `store` after a miss.
    func lookup(_ key: Key) -> (account: Account?, generation: UInt64) {
        table.withLock { table in
            (table.find(key).map { Account(user: AuthenticatedUser(id: $0.id), banned: $0.banned) }, table.generation)
        }
    }

    /// Keeps `account` unless a change of `users` committed since `generation` was read (the
    /// account may have been read from a snapshot older than that change). Full: starts over.
    func store(_ key: Key, _ account: Account, generation: UInt64) {
        guard account.user.sessionID == nil else { return }
        let capacity = self.capacity
        table.withLock { table in
            guard generation == table.generation else { return }
            if table.count >= capacity { table.clear() }
            table.insert(key, id: account.user.id, banned: account.banned, capacity: capacity)
        }
    }

    /// Adds accounts read at `generation` (a start-up chunk); false, keeping none, if `users`
    /// changed since. Stops when full without emptying anything.
    func preload(_ accounts: [(key: Key, id: Int64, banned: Bool)], generation: UInt64) -> Bool {
        let capacity = self.capacity
        return table.withLock { table in
            guard generation == table.generation else { return false }
            for account in accounts where table.count < capacity {
                table.insert(account.key, id: account.id, banned: account.banned, capacity: capacity)
            }
            return true
        }
    }

    /// Sizes the table for `customers` at once (before a preload): 4.3 MB for 200,000, where
    /// doubling past 196,608 entries held 4.2 and 8.4 MB at once (peak RSS +6 MiB in the bench).
    func reserve(_ customers: Int) {
        let capacity = self.capacity
        table.withLock { $0.reserve(min(customers, capacity), capacity: capacity) }
    }

    /// The current generation: read it before the read transaction of a `preload` chunk.
    var generation: UInt64 { table.withLock { $0.generation } }

    /// Drops the entries of these customers (the writer, after a commit that changed their rows).
    /// Rows newer than every cached account (sign-ups) need no pass over the table; the
    /// generation moves either way, so no read from before the commit is kept.
    func forget(users ids: [Int64]) {
        table.withLock { table in
            table.generation &+= 1
            let largest = table.largestID
            guard ids.contains(where: { $0 <= largest }) else { return }
            let set = Set(ids)
            table.remove { set.contains($0) }
        }
    }

    /// Forgets everything (PostgreSQL: after any commit that changed `users`, on any node).
    func invalidate() {
        table.withLock { table in
            table.generation &+= 1
            if table.count > 0 { table.clear() }
        }
    }

    var count: Int { table.withLock { $0.count } }
}

/// `AccountCache`'s storage: open addressing with linear probing over one array. Each slot is
/// two words: the key's high 64 bits, then its low 32 bits over the account (`id << 1 |
/// banned`, never 0, so 0 marks a free slot). Ids beyond 31 bits are not kept.
struct AccountTable {
    private(set) var words: [UInt64] = []
    private(set) var slots = 0
    private(set) var count = 0
    /// No entry has a larger account id (kept on insert, reset when cleared).
    private(set) var largestID: Int64 = 0
    var generation: UInt64 = 0

    /// Where a key's probe starts: its high bits scaled to the table (they are uniform).
    private func home(_ high: UInt64) -> Int { Int(high.multipliedFullWidth(by: UInt64(slots)).high) }

    /// The slot holding `key`, or the free slot that ends its probe.
    private func slot(_ key: AccountCache.Key) -> Int {
        var index = home(key.high)
        while true {
            let second = words[2 * index + 1]
            if second == 0 || (words[2 * index] == key.high && UInt32(truncatingIfNeeded: second >> 32) == key.low) {
                return index
            }
            index += 1
            if index == slots { index = 0 }
        }
    }

    func find(_ key: AccountCache.Key) -> (id: Int64, banned: Bool)? {
        guard count > 0 else { return nil }
        let second = words[2 * slot(key) + 1]
        guard second != 0 else { return nil }
        let value = UInt32(truncatingIfNeeded: second)
        return (Int64(value >> 1), value & 1 == 1)
    }

    /// Adds or replaces; grows from 1,024 slots by doubling up to `capacity` at three quarters
    /// full, so a small service never pays for the whole table and a free slot ends every probe.
    mutating func insert(_ key: AccountCache.Key, id: Int64, banned: Bool, capacity: Int) {
        guard id > 0, id < 1 << 31 else { return }
        let largest = capacity + capacity / 3 + 1
        if slots < largest && count + 1 > slots * 3 / 4 { resize(to: min(max(1_024, slots * 2), largest)) }
        let index = slot(key)
        if words[2 * index + 1] == 0 { count += 1 }
        largestID = max(largestID, id)
        words[2 * index] = key.high
        words[2 * index + 1] = UInt64(key.low) << 32 | UInt64(id) << 1 | (banned ? 1 : 0)
    }

    /// Room for `entries` at three quarters full.
    mutating func reserve(_ entries: Int, capacity: Int) {
        let wanted = min(entries + entries / 3 + 1, capacity + capacity / 3 + 1)
        if wanted > slots { resize(to: wanted) }
    }

    /// Removes every entry whose account id passes `matches`, shifting later entries of each
    /// probe back into the gap (no tombstones, so probes stay short).
    mutating func remove(where matches: (Int64) -> Bool) {
        var index = 0
        while index < slots {
            let second = words[2 * index + 1]
            if second != 0 && matches(Int64(UInt32(truncatingIfNeeded: second) >> 1)) {
                // What moves into the gap comes from later in the probe: look at this slot again.
                removeSlot(index)
            } else {
                index += 1
            }
        }
    }

    private mutating func removeSlot(_ slot: Int) {
        var gap = slot
        words[2 * gap + 1] = 0
        count -= 1
        var next = gap
        while true {
            next += 1
            if next == slots { next = 0 }
            guard words[2 * next + 1] != 0 else { return }
            // An entry may move back to the gap unless its home lies after the gap, up to it.
            let home = home(words[2 * next])
            let staysPut = gap <= next ? (gap < home && home <= next) : (gap < home || home <= next)
            if !staysPut {
                words[2 * gap] = words[2 * next]
                words[2 * gap + 1] = words[2 * next + 1]
                words[2 * next + 1] = 0
                gap = next
            }
        }
    }

    /// Every slot free, the size kept.
    mutating func clear() {
        words.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        count = 0
        largestID = 0
    }

    private mutating func resize(to newSlots: Int) {
        let old = words
        words = Array(repeating: 0, count: 2 * newSlots)
        slots = newSlots
        count = 0
        for index in stride(from: 0, to: old.count, by: 2) where old[index + 1] != 0 {
            let key = AccountCache.Key(high: old[index], low: UInt32(truncatingIfNeeded: old[index + 1] >> 32))
            let target = slot(key)
            words[2 * target] = old[index]
            words[2 * target + 1] = old[index + 1]
            count += 1
        }
    }
}
