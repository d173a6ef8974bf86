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

    /// One customer's counts for one scope and day, kept compact (32 bytes): a window of 100,000
    /// votes from as many customers holds ~200,000 of them, so strings and 64-bit counts here cost
    /// tens of megabytes under a flood (docs/performance.md, session 24).
    struct Entry {
        /// The customer (`activity_days.actor` is `u<id>`).
        let actorID: Int64
        let day: Int32
        /// Index into the window's `scopes`, which are sorted by their UTF-8 bytes, so comparing
        /// indexes compares the scopes as `activity_days` does.
        var scope: UInt32
        var votes: Int32 = 0
        var comments: Int32 = 0
        var ideas: Int32 = 0

        /// The window's order: by actor key (UTF-8 bytes, as `activity_days` compares them), one
        /// actor's entries together in the table's order.
        static func precedes(_ a: Entry, _ b: Entry) -> Bool {
            if a.actorID != b.actorID { return RollupWindow.actorPrecedes(a.actorID, b.actorID) }
            if a.scope != b.scope { return a.scope < b.scope }
            return a.day < b.day
        }

        /// The order of `activity_days`' primary key (scope, day, actor).
        static func precedesInTable(_ a: Entry, _ b: Entry) -> Bool {
            if a.scope != b.scope { return a.scope < b.scope }
            if a.day != b.day { return a.day < b.day }
            return RollupWindow.actorPrecedes(a.actorID, b.actorID)
        }

        /// Same customer, scope and day: one row of `activity_days`.
        func sameRow(_ other: Entry) -> Bool { actorID == other.actorID && scope == other.scope && day == other.day }
    }

    /// Whether actor `u<a>` comes before `u<b>` in UTF-8 byte order ("u10" before "u9"), without
    /// making the strings: the shorter number padded with zeros compares as the string would,
    /// and on a tie (one is a prefix of the other) the shorter comes first.
    static func actorPrecedes(_ a: Int64, _ b: Int64) -> Bool {
        guard a != b else { return false }
        guard a >= 0, b >= 0 else { return Array("\(a)".utf8).lexicographicallyPrecedes(Array("\(b)".utf8)) }
        var x = UInt64(a), y = UInt64(b)
        let dx = digits(x), dy = digits(y)
        if dx < dy { x *= powersOfTen[dy - dx] } else if dy < dx { y *= powersOfTen[dx - dy] }
        return x != y ? x < y : dx < dy
    }

    private static let powersOfTen: [UInt64] = (0..<20).map { (0..<$0).reduce(UInt64(1)) { product, _ in product &* 10 } }

    /// Decimal digits of `value`, without dividing: the bit length gives log10 to within one
    /// (× 1233 / 4096 ≈ log10 2), one comparison settles it. Sorting a window's entries calls this
    /// twice a comparison; with a division a digit, 200,000 random ids took 61 ms to sort, 44 ms now.
    private static func digits(_ value: UInt64) -> Int {
        let estimate = ((64 - value.leadingZeroBitCount) * 1233) >> 12
        return value >= powersOfTen[estimate] ? estimate + 1 : max(estimate, 1)
    }

    /// The marks the window starts after.
    let start: Ends
    let ends: Ends
    /// Sorted by actor key (UTF-8 bytes, as `activity_days` orders it); one actor's entries together.
    let entries: [Entry]
    /// The scopes `entries` name, sorted by their UTF-8 bytes.
    let scopes: [String]
    /// A source has rows after `ends`: another window follows.
    let more: Bool
    /// The first entry not yet written.
    private(set) var next: Int
    /// The actor last written (what `window_actor` holds once a write committed), nil before any.
    private(set) var resume: Int64?

    /// `entries`: sorted by `Entry.precedes`. `resume`: the actor an earlier write of this window
    /// reached; writing starts after it.
    init(start: Ends, ends: Ends, entries: [Entry], scopes: [String], more: Bool, resume: Int64?) {
        self.start = start
        self.ends = ends
        self.entries = entries
        self.scopes = scopes
        self.more = more
        self.resume = resume
        if let resume {
            next = self.entries.partitionIndex { RollupWindow.actorPrecedes(resume, $0.actorID) }
        } else {
            next = 0
        }
    }

    var finished: Bool { next == entries.count }

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
        while end < entries.count && entries[end].actorID == entries[end - 1].actorID { end += 1 }
        let taken = (next..<end).sorted { Entry.precedesInTable(entries[$0], entries[$1]) }
        if end > next { resume = entries[end - 1].actorID }
        next = end
        return taken
    }
}

extension RollupWindow {
    /// The `activity_days` key of entry `index`.
    func key(at index: Int) -> ReaderLog.Key {
        let entry = entries[index]
        return ReaderLog.Key(day: Int64(entry.day), actor: "u\(entry.actorID)", scope: scopes[Int(entry.scope)])
    }

    /// The counts of entry `index` (source rows have no reads: those come from the readers' log).
    func counts(at index: Int) -> EngagementRollup.Counts {
        let entry = entries[index]
        return EngagementRollup.Counts(reads: 0, votes: Int64(entry.votes), comments: Int64(entry.comments), ideas: Int64(entry.ideas))
    }

    /// Entries a window's builder collects before it first merges equal ones (`compact`).
    static let compactionChunk = 16_384

    /// Sorts `raw` and merges the entries of one row (customer, scope, day) in place, keeping the
    /// array's room. The builder calls it whenever the entries reach `compactionChunk` or twice
    /// what the last merge kept, so a window of many rows from few customers never holds an entry
    /// per row: 100,000 votes from 2,000 customers held ~200,000 entries (6 MB, and twice that
    /// while the array grew) for ~4,000 rows, a spike of ~9 MB of a vote flood's peak RSS. Scopes
    /// need not be ranked yet: only equal rows have to meet.
    static func compact(_ raw: inout [Entry]) {
        raw.sort(by: Entry.precedes)
        var kept = 0
        for index in raw.indices {
            if kept > 0 && raw[kept - 1].sameRow(raw[index]) {
                raw[kept - 1].votes += raw[index].votes
                raw[kept - 1].comments += raw[index].comments
                raw[kept - 1].ideas += raw[index].ideas
            } else {
                raw[kept] = raw[index]
                kept += 1
            }
        }
        raw.removeLast(raw.count - kept)
    }

    /// Builds a window's entries from one entry per source row and scope (counts of one):
    /// `scopes` as first met, `raw` naming them by that order. Sorting and merging equal rows
    /// instead of hashing keeps a window at one array of 32-byte entries while it is built.
    static func aggregate(_ raw: inout [Entry], scopes firstMet: [String]) -> (entries: [Entry], scopes: [String]) {
        let order = firstMet.indices.sorted { firstMet[$0].utf8.lexicographicallyPrecedes(firstMet[$1].utf8) }
        var rank = [UInt32](repeating: 0, count: firstMet.count)
        for (position, index) in order.enumerated() { rank[index] = UInt32(position) }
        for index in raw.indices { raw[index].scope = rank[Int(raw[index].scope)] }
        compact(&raw)
        let kept = raw.count
        // Few customers, many rows: give back the room the merged rows took.
        var entries: [Entry] = []
        if kept < raw.capacity / 2 {
            entries.reserveCapacity(kept)
            entries.append(contentsOf: raw)
        } else {
            swap(&entries, &raw)
        }
        raw = []
        return (entries, order.map { firstMet[$0] })
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
