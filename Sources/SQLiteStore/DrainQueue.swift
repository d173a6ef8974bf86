import Foundation

/// A queue that one thread drains: producers append; the thread takes everything gathered so far
/// (up to a limit), waiting while there is nothing; once closed, new items are refused and the
/// thread takes what is left, then nil. The writer's jobs and the syncer's batches go through one.
/// `@unchecked Sendable`: the items and the flag are guarded by `condition`.
final class DrainQueue<Item>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Item] = []
    private var closed = false

    /// Appends `item`; false, leaving it to the caller, once the queue is closed.
    func append(_ item: Item) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if closed { return false }
        items.append(item)
        if items.count == 1 { condition.signal() }
        return true
    }

    /// Up to `limit` items in the order they came, after waiting for at least one; nil when the
    /// queue is closed and empty. With `idleAfter` (seconds): an empty array once nothing has come
    /// for that long (the writer's cue for work it does only when idle).
    func take(upTo limit: Int = .max, idleAfter: Double? = nil) -> [Item]? {
        condition.lock()
        defer { condition.unlock() }
        if let idleAfter {
            let deadline = Date(timeIntervalSinceNow: idleAfter)
            while items.isEmpty && !closed {
                if !condition.wait(until: deadline) && items.isEmpty && !closed { return [] }
            }
        } else {
            while items.isEmpty && !closed { condition.wait() }
        }
        if items.isEmpty { return nil }
        if items.count <= limit { return takeAll() }
        let some = Array(items.prefix(limit))
        items.removeFirst(limit)
        return some
    }

    /// Everything gathered so far, without waiting.
    func takeNow() -> [Item] {
        condition.lock()
        defer { condition.unlock() }
        return takeAll()
    }

    /// Every item, the array's capacity kept for the next ones; `condition` held.
    private func takeAll() -> [Item] {
        let all = items
        items.removeAll(keepingCapacity: true)
        return all
    }

    /// Whether nothing is waiting to be taken.
    var isEmpty: Bool {
        condition.lock()
        defer { condition.unlock() }
        return items.isEmpty
    }

    /// Refuses new items from now on; false if it was already closed.
    func close() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if closed { return false }
        closed = true
        condition.broadcast()
        return true
    }
}
