import Synchronization

/// A stretch of new activity — the source rows after the marks, up to fixed ends — taken into
/// `activity_days` over several writes, customer by customer in the order of their actor key.
///
/// Slicing by source rows (the first 20,000 votes, then the next…) sends every write to random
/// pages of the day's rows: on a day with a million active customers each write rewrote as many
/// pages as it had customers, and the next write rewrote most of them again. A window aggregates
/// its rows once, in memory, and each write takes the next range of actors, so a page of
/// `activity_days` is rewritten about once per window instead of once per write.
///
/// The window's ends and the last actor written are kept in `rollup_marks` beside the marks
/// (`window_votes`, `window_comments`, `window_ideas`, `window_actor`), in the same transaction as
/// the rows: a window cut short by a crash, or continued by another node, is aggregated again from
/// the same rows and resumes after that actor — no row counted twice. The marks move to the ends
/// only with the window's last write.
struct RollupWindow {
    /// The last id of each source the window takes in.
    struct Ends: Equatable {
        var votes: Int64
        var comments: Int64
        var ideas: Int64
    }

    /// One customer's counts for one scope and day.
    struct Entry {
        let key: ReaderLog.Key
        var counts: EngagementRollup.Counts

        /// The customer: `key.actor` is `u<id>` for every source row (the resume point is kept as this number).
        var actorID: Int64 { Int64(key.actor.utf8.dropFirst().reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }) }

        /// The window's order: by actor key (UTF-8 bytes, as `activity_days` compares them), one
        /// actor's entries together in the table's order.
        static func precedes(_ a: Entry, _ b: Entry) -> Bool {
            a.key.actor == b.key.actor ? ReaderLog.Key.precedesInTable(a.key, b.key)
                : a.key.actor.utf8.lexicographicallyPrecedes(b.key.actor.utf8)
        }
    }

    /// The marks the window starts after.
    let start: Ends
    let ends: Ends
    /// Sorted by actor key (UTF-8 bytes, as `activity_days` orders it); one actor's entries together.
    let entries: [Entry]
    /// A source has rows after `ends`: another window follows.
    let more: Bool
    /// The first entry not yet written.
    private(set) var next: Int
    /// The actor last written (what `window_actor` holds once a write committed), nil before any.
    private(set) var resume: Int64?

    /// `entries`: sorted by `Entry.precedes`. `resume`: the actor an earlier write of this window
    /// reached; writing starts after it.
    init(start: Ends, ends: Ends, entries: [Entry], more: Bool, resume: Int64?) {
        self.start = start
        self.ends = ends
        self.entries = entries
        self.more = more
        self.resume = resume
        if let resume {
            let reached = Array("u\(resume)".utf8)
            next = self.entries.partitionIndex { !$0.key.actor.utf8.lexicographicallyPrecedes(reached) && !$0.key.actor.utf8.elementsEqual(reached) }
        } else {
            next = 0
        }
    }

    var finished: Bool { next == entries.count }

    /// This window resumed where `marks` say its writes reached, if they are writing this very
    /// window (same start and ends): another aggregate of the same rows — one read before a
    /// scheduler's write moved the reach — is as good as the writer's own.
    func resumed(at marks: EngagementRollup.Marks) -> RollupWindow? {
        guard start == marks.reached, marks.window == ends else { return nil }
        return RollupWindow(start: start, ends: ends, entries: entries, more: more, resume: marks.resume)
    }

    /// Whether `marks` are where this window left them: its start, and its ends and reach once a
    /// write of it committed (or no window, before any).
    func continues(_ marks: EngagementRollup.Marks) -> Bool {
        guard start == marks.reached else { return false }
        guard let open = marks.window else { return resume == nil }
        return open == ends && marks.resume == resume
    }

    /// The positions in `entries` of the next write: at least `keys` entries (all of the window
    /// when fewer are left), ending on a whole actor, in the table's key order (each page read and
    /// changed once).
    mutating func take(keys: Int) -> [Int] {
        var end = next + min(entries.count - next, max(1, keys))
        while end < entries.count && entries[end].key.actor == entries[end - 1].key.actor { end += 1 }
        let taken = (next..<end).sorted { ReaderLog.Key.precedesInTable(entries[$0].key, entries[$1].key) }
        if end > next { resume = entries[end - 1].actorID }
        next = end
        return taken
    }
}

extension Array {
    /// The first index whose element satisfies `belongs` (elements that do must all follow those that don't).
    func partitionIndex(where belongs: (Element) -> Bool) -> Int {
        var low = 0, high = count
        while low < high {
            let middle = (low + high) / 2
            if belongs(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}

/// The scheduler's open window between its passes, so that a pass does not aggregate the
/// window's rows again; each write checks that the marks are still where the window left them.
final class RollupWindowCache: Sendable {
    private let window = Mutex<RollupWindow?>(nil)

    func take() -> RollupWindow? {
        window.withLock { kept in
            defer { kept = nil }
            return kept
        }
    }

    func keep(_ value: RollupWindow?) {
        window.withLock { $0 = value }
    }
}
