/// Distinct keys in ascending order, held as a list of sorted blocks so that an insert or a
/// removal moves at most one block of keys. A plain sorted array would move up to all of them
/// (a million ideas tied at 0 votes all sit after the one that just got its first vote), and a
/// balanced tree would allocate a node per key.
public struct SortedBlocks<Key: Comparable & Sendable>: Sendable {
    /// Never empty blocks; each holds at most `2 × blockSize` keys.
    private var blocks: [[Key]] = []
    /// Each block's last key, side by side: the search for a key's block reads this one array
    /// instead of a different block's storage at every step (at a million ideas, ~12 steps that
    /// each missed the cache, four searches per vote).
    private var lasts: [Key] = []
    private let blockSize: Int
    public private(set) var count = 0

    public init(blockSize: Int = 256) {
        precondition(blockSize > 0)
        self.blockSize = blockSize
    }

    /// Builds from keys already sorted ascending and distinct.
    public init<S: Sequence>(sorted keys: S, blockSize: Int = 256) where S.Element == Key {
        self.init(blockSize: blockSize)
        var block: [Key] = []
        block.reserveCapacity(blockSize)
        for key in keys {
            block.append(key)
            if block.count == blockSize {
                lasts.append(key)
                blocks.append(block)
                count += block.count
                block = []
                block.reserveCapacity(blockSize)
            }
        }
        if let last = block.last {
            lasts.append(last)
            blocks.append(block)
            count += block.count
        }
    }

    /// The first block whose last key is ≥ `key` (`blocks.count` if none).
    private func blockIndex(_ key: Key) -> Int {
        var low = 0, high = lasts.count
        while low < high {
            let mid = (low + high) / 2
            if lasts[mid] < key { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// The first position in `block` whose key is ≥ `key`.
    private static func position(of key: Key, in block: [Key]) -> Int {
        var low = 0, high = block.count
        while low < high {
            let mid = (low + high) / 2
            if block[mid] < key { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// Adds `key`; false if it was there already.
    @discardableResult
    public mutating func insert(_ key: Key) -> Bool {
        if blocks.isEmpty {
            blocks = [[key]]
            lasts = [key]
            count = 1
            return true
        }
        let b = min(blockIndex(key), blocks.count - 1)
        let at = Self.position(of: key, in: blocks[b])
        if at < blocks[b].count && blocks[b][at] == key { return false }
        blocks[b].insert(key, at: at)
        count += 1
        if at == blocks[b].count - 1 { lasts[b] = key }
        if blocks[b].count > 2 * blockSize {
            let upper = Array(blocks[b][blockSize...])
            blocks[b].removeSubrange(blockSize...)
            lasts[b] = blocks[b][blockSize - 1]
            blocks.insert(upper, at: b + 1)
            lasts.insert(upper[upper.count - 1], at: b + 1)
        }
        return true
    }

    /// Removes `key`; false if it was not there.
    @discardableResult
    public mutating func remove(_ key: Key) -> Bool {
        let b = blockIndex(key)
        guard b < blocks.count else { return false }
        let at = Self.position(of: key, in: blocks[b])
        guard at < blocks[b].count && blocks[b][at] == key else { return false }
        blocks[b].remove(at: at)
        count -= 1
        if blocks[b].isEmpty {
            blocks.remove(at: b)
            lasts.remove(at: b)
        } else if at == blocks[b].count {
            lasts[b] = blocks[b][at - 1]
        }
        return true
    }

    /// Calls `body` with the keys after `start` (all keys if nil), ascending, until it returns false.
    public func forEach(after start: Key?, _ body: (Key) -> Bool) {
        var b = 0, at = 0
        if let start {
            b = blockIndex(start)
            guard b < blocks.count else { return }
            at = Self.position(of: start, in: blocks[b])
            if at < blocks[b].count && blocks[b][at] == start { at += 1 }
        }
        while b < blocks.count {
            let block = blocks[b]
            while at < block.count {
                if !body(block[at]) { return }
                at += 1
            }
            b += 1
            at = 0
        }
    }

    /// Whether the blocks are sorted, within their size, and `lasts` holds each one's last key (tests).
    public var isConsistent: Bool {
        let all = keys
        return lasts == blocks.map { $0[$0.count - 1] } && blocks.allSatisfy { !$0.isEmpty && $0.count <= 2 * blockSize }
            && zip(all, all.dropFirst()).allSatisfy { $0 < $1 } && all.count == count
    }

    /// Every key, ascending (tests).
    public var keys: [Key] {
        var all: [Key] = []
        all.reserveCapacity(count)
        for block in blocks { all += block }
        return all
    }
}
