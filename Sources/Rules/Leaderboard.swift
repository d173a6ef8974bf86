/// The order of the `top` and `trending` listings (most votes first; highest trending score
/// first; ties newest first), kept as a value beside the database instead of as two SQLite
/// indexes on `ideas`: every vote changes both keys, and on random traffic each index entry
/// that moves is a B-tree page written to the WAL, fsynced and checkpointed. Here a move is a
/// few comparisons and one block's memmove.
///
/// It holds what a listing filters on for every idea, so a page is found without SQL; only the
/// ideas served are then read from the database.
public struct Leaderboard: Sendable {
    /// What the listings need to know of one idea.
    public struct Idea: Equatable, Sendable {
        public var votes: Int64
        public var trend: Double
        public var status: String
        public var category: String
        /// Shown in listings (`hidden = 0`); hidden ideas are not ordered at all.
        public var listed: Bool
        /// Merged into another idea (the home page leaves those out).
        public var merged: Bool

        public init(votes: Int64, trend: Double, status: String, category: String, listed: Bool, merged: Bool) {
            self.votes = votes
            self.trend = trend
            self.status = status
            self.category = category
            self.listed = listed
            self.merged = merged
        }
    }

    /// Most votes first, then the newest (highest id).
    public struct TopKey: Comparable, Sendable {
        public let votes: Int64
        public let id: Int64
        public init(votes: Int64, id: Int64) { self.votes = votes; self.id = id }
        public static func < (a: TopKey, b: TopKey) -> Bool { a.votes != b.votes ? a.votes > b.votes : a.id > b.id }
    }

    /// Highest trending score first, then the newest.
    public struct TrendKey: Comparable, Sendable {
        public let trend: Double
        public let id: Int64
        public init(trend: Double, id: Int64) { self.trend = trend; self.id = id }
        public static func < (a: TrendKey, b: TrendKey) -> Bool { a.trend != b.trend ? a.trend > b.trend : a.id > b.id }
    }

    public enum Order: Sendable { case top, trending }

    /// An item's place in its order: where a page ends and the next begins.
    public enum Position: Equatable, Sendable {
        case top(votes: Int64, id: Int64)
        case trending(trend: Double, id: Int64)
    }

    public struct Filter: Sendable {
        public var status: String?
        public var category: String?
        /// Only these ideas (a search's matches), if set.
        public var ids: Set<Int64>?
        public var excludeMerged: Bool

        public init(status: String? = nil, category: String? = nil, ids: Set<Int64>? = nil, excludeMerged: Bool = false) {
            self.status = status
            self.category = category
            self.ids = ids
            self.excludeMerged = excludeMerged
        }
    }

    /// One idea in 24 bytes, with status and category as numbers into `Names` (a million ideas
    /// share a handful of each).
    fileprivate struct Entry {
        var votes: Int64
        var trend: Double
        var category: UInt32
        var status: UInt16
        var flags: UInt8
        static let listed: UInt8 = 1, merged: UInt8 = 2
        var listed: Bool { flags & Self.listed != 0 }
        var merged: Bool { flags & Self.merged != 0 }

        init(votes: Int64, trend: Double, category: Int, status: Int, listed: Bool, merged: Bool) {
            self.votes = votes
            self.trend = trend
            self.category = UInt32(category)
            self.status = UInt16(status)
            flags = (listed ? Self.listed : 0) | (merged ? Self.merged : 0)
        }
    }

    /// Strings numbered in order of first sight; a short list is searched by its bytes, so a
    /// million rows at start-up make no strings.
    private struct Names {
        var names: [String] = []
        var bytes: [[UInt8]] = []
        var numbers: [String: Int] = [:]

        mutating func number(_ name: String) -> Int {
            if let known = numbers[name] { return known }
            names.append(name)
            bytes.append(Array(name.utf8))
            numbers[name] = names.count - 1
            return names.count - 1
        }

        mutating func number(_ utf8: UnsafeBufferPointer<UInt8>) -> Int {
            if names.count <= 16, let known = bytes.firstIndex(where: { $0.elementsEqual(utf8) }) { return known }
            return number(String(decoding: utf8, as: UTF8.self))
        }
    }

    /// Entries by id: ideas' ids are SQLite's rowids, dense from 1, so an array indexed by id
    /// holds them in 24 bytes each (a dictionary took ~64 bytes); an id far beyond the others
    /// goes to a dictionary instead of growing the array to it.
    private struct Entries {
        private var dense: [Entry?] = []
        private var sparse: [Int64: Entry] = [:]
        private(set) var count = 0

        mutating func reserve(_ ids: Int) { dense.reserveCapacity(ids + 1) }

        /// Within the array, or close enough past its end that growing it costs at most about
        /// as much again as it holds.
        private func isDense(_ id: Int64) -> Bool { id >= 0 && id < Int64(dense.count + max(65_536, count)) }

        subscript(id: Int64) -> Entry? {
            get { id >= 0 && id < Int64(dense.count) ? dense[Int(id)] : sparse[id] }
            set {
                let had = self[id] != nil
                if isDense(id) {
                    if Int(id) >= dense.count {
                        guard newValue != nil else { return }
                        dense.append(contentsOf: repeatElement(nil, count: Int(id) - dense.count + 1))
                    }
                    dense[Int(id)] = newValue
                } else {
                    sparse[id] = newValue
                }
                count += (newValue != nil ? 1 : 0) - (had ? 1 : 0)
            }
        }
    }

    private var entries = Entries()
    /// Listed ideas per status and per category number: how selective a filter is.
    private var listedByStatus: [UInt16: Int] = [:]
    private var listedByCategory: [UInt32: Int] = [:]
    /// A handful of statuses (the lifecycle's), any number of categories.
    private var statuses = Names()
    private var categories = Names()
    private var top = SortedBlocks<TopKey>()
    private var trending = SortedBlocks<TrendKey>()

    public init() {}

    /// Builds the board from every idea at once (start-up): the rows are added as they are read,
    /// the orders sorted once at the end.
    public struct Builder {
        private var board = Leaderboard()
        private var topKeys: [TopKey] = []
        private var trendKeys: [TrendKey] = []

        /// `ideas`: about how many will be added (the highest id will do).
        public init(ideas: Int) {
            board.entries.reserve(ideas)
            topKeys.reserveCapacity(ideas)
            trendKeys.reserveCapacity(ideas)
        }

        /// Status and category as the row's bytes: numbered without making strings.
        public mutating func add(id: Int64, votes: Int64, trend: Double, status: UnsafeBufferPointer<UInt8>,
                                 category: UnsafeBufferPointer<UInt8>, listed: Bool, merged: Bool) {
            add(id, Entry(votes: votes, trend: trend, category: board.categories.number(category),
                          status: board.statuses.number(status), listed: listed, merged: merged))
        }

        public mutating func add(id: Int64, _ idea: Idea) { add(id, board.entry(idea)) }

        private mutating func add(_ id: Int64, _ entry: Entry) {
            board.entries[id] = entry
            guard entry.listed else { return }
            board.count(entry, by: 1)
            topKeys.append(TopKey(entry, id: id))
            trendKeys.append(TrendKey(entry, id: id))
        }

        /// One order at a time, each list of keys freed once its blocks exist (at a million
        /// ideas each list is 16 MB).
        public consuming func build() -> Leaderboard {
            topKeys.sort()
            board.top = SortedBlocks(sorted: topKeys)
            topKeys = []
            trendKeys.sort()
            board.trending = SortedBlocks(sorted: trendKeys)
            trendKeys = []
            return board
        }
    }

    /// Builds the board from every idea at once (tests).
    public init<S: Sequence>(_ ideas: S) where S.Element == (id: Int64, idea: Idea) {
        var builder = Builder(ideas: ideas.underestimatedCount)
        for (id, idea) in ideas { builder.add(id: id, idea) }
        self = builder.build()
    }

    /// Ideas known (listed or not).
    public var count: Int { entries.count }
    /// Ideas in the listings.
    public var listedCount: Int { top.count }

    private mutating func entry(_ idea: Idea) -> Entry {
        Entry(votes: idea.votes, trend: idea.trend, category: categories.number(idea.category), status: statuses.number(idea.status),
              listed: idea.listed, merged: idea.merged)
    }

    private mutating func count(_ entry: Entry, by change: Int) {
        listedByStatus[entry.status, default: 0] += change
        listedByCategory[entry.category, default: 0] += change
    }

    /// Records the idea as it is now; nil if it no longer exists.
    public mutating func set(_ id: Int64, _ idea: Idea?) {
        let old = entries[id]
        if let old, let idea, old.listed == idea.listed, old.merged == idea.merged,
           statuses.names[Int(old.status)] == idea.status, categories.names[Int(old.category)] == idea.category {
            // A vote (nearly every change): only the keys move; the names and the counts stay.
            var entry = old
            entry.votes = idea.votes
            entry.trend = idea.trend
            entries[id] = entry
            guard entry.listed else { return }
            if entry.votes != old.votes {
                top.remove(TopKey(old, id: id))
                top.insert(TopKey(entry, id: id))
            }
            if entry.trend != old.trend {
                trending.remove(TrendKey(old, id: id))
                trending.insert(TrendKey(entry, id: id))
            }
            return
        }
        if let old, old.listed {
            top.remove(TopKey(old, id: id))
            trending.remove(TrendKey(old, id: id))
            count(old, by: -1)
        }
        guard let idea else {
            entries[id] = nil
            return
        }
        let entry = entry(idea)
        entries[id] = entry
        if entry.listed {
            top.insert(TopKey(entry, id: id))
            trending.insert(TrendKey(entry, id: id))
            count(entry, by: 1)
        }
    }

    /// The most entries a page may walk past: a filter that matches too few ideas for a walk
    /// (or whose parts each match many but together few) is better answered by the database's
    /// status and category indexes, which find the few and sort them.
    public static let walkLimit = 100_000

    /// The idea as the board knows it (tests).
    public func idea(_ id: Int64) -> Idea? {
        entries[id].map {
            Idea(votes: $0.votes, trend: $0.trend, status: statuses.names[Int($0.status)], category: categories.names[Int($0.category)],
                 listed: $0.listed, merged: $0.merged)
        }
    }

    /// Up to `limit` listed ideas matching `filter` in `order`, after `position`, each with its
    /// position (the last one's is the next page's cursor). Nil when the filter is too selective
    /// for a walk along the order (more than `walkLimit` entries, expected or met): ask the database.
    /// A search's few matches are sorted here instead of walked to.
    public func page(_ order: Order, after position: Position?, filter: Filter, limit: Int) -> [(id: Int64, position: Position)]? {
        guard limit > 0 else { return [] }
        // A name no idea has matches nothing: no walk needed.
        var match = Match(excludeMerged: filter.excludeMerged)
        if let name = filter.status {
            guard let known = statuses.numbers[name] else { return [] }
            match.status = UInt16(known)
        }
        if let name = filter.category {
            guard let known = categories.numbers[name] else { return [] }
            match.category = UInt32(known)
        }
        // How far a walk is expected to go: the page's share of the listed ideas that match.
        var matching = top.count
        if let status = match.status { matching = min(matching, listedByStatus[status] ?? 0) }
        if let category = match.category { matching = min(matching, listedByCategory[category] ?? 0) }
        if let ids = filter.ids {
            // Sorting k matches costs about k·log k; walking to `limit` of them about limit·n/k.
            if ids.count * ids.count < limit * max(1, top.count) * 4 {
                let candidates = ids.compactMap { id in entries[id].flatMap { match.accepts($0) ? (id, $0) : nil } }
                switch order {
                case .top: return Self.sorted(candidates, as: TopKey.self, after: position, limit: limit)
                case .trending: return Self.sorted(candidates, as: TrendKey.self, after: position, limit: limit)
                }
            }
            matching = min(matching, ids.count)
        }
        guard matching > 0 else { return [] }
        if limit * (top.count / matching) > Self.walkLimit { return nil }
        let accepts = { (id: Int64) -> Bool in
            if let ids = filter.ids, !ids.contains(id) { return false }
            return entries[id].map(match.accepts) ?? false
        }
        switch order {
        case .top: return Self.walk(top, after: position, limit: limit, accepts: accepts)
        case .trending: return Self.walk(trending, after: position, limit: limit, accepts: accepts)
        }
    }

    /// What a listed idea must be to match a filter (status and category as numbers).
    private struct Match {
        var status: UInt16?
        var category: UInt32?
        let excludeMerged: Bool

        func accepts(_ entry: Entry) -> Bool {
            entry.listed && (status == nil || entry.status == status) && (category == nil || entry.category == category)
                && !(excludeMerged && entry.merged)
        }
    }

    /// Walks `keys` from `position`, at most `walkLimit` entries (nil past that).
    private static func walk<Key: OrderKey>(_ keys: SortedBlocks<Key>, after position: Position?, limit: Int,
                                            accepts: (Int64) -> Bool) -> [(id: Int64, position: Position)]? {
        var start: Key?
        if let position {
            guard let key = Key(position) else { return [] }
            start = key
        }
        var walked = 0
        var found: [(id: Int64, position: Position)] = []
        found.reserveCapacity(limit)
        keys.forEach(after: start) { key in
            if accepts(key.id) { found.append((key.id, key.position)) }
            walked += 1
            return found.count < limit && walked <= walkLimit
        }
        return walked > walkLimit ? nil : found
    }

    /// A page of a few matching ideas, sorted here.
    private static func sorted<Key: OrderKey>(_ candidates: [(Int64, Entry)], as: Key.Type, after position: Position?,
                                              limit: Int) -> [(id: Int64, position: Position)] {
        var keys = candidates.map { Key($0.1, id: $0.0) }
        if let position {
            guard let start = Key(position) else { return [] }
            keys.removeAll { $0 <= start }
        }
        keys.sort()
        return keys.prefix(limit).map { ($0.id, $0.position) }
    }
}

/// A key of one of the orders: made from an idea's entry, or from a position of its own order.
private protocol OrderKey: Comparable {
    var id: Int64 { get }
    var position: Leaderboard.Position { get }
    /// Nil for a position of the other order.
    init?(_ position: Leaderboard.Position)
    init(_ entry: Leaderboard.Entry, id: Int64)
}

extension Leaderboard.TopKey: OrderKey {
    var position: Leaderboard.Position { .top(votes: votes, id: id) }
    init?(_ position: Leaderboard.Position) {
        guard case .top(let votes, let id) = position else { return nil }
        self.init(votes: votes, id: id)
    }
    fileprivate init(_ entry: Leaderboard.Entry, id: Int64) { self.init(votes: entry.votes, id: id) }
}

extension Leaderboard.TrendKey: OrderKey {
    var position: Leaderboard.Position { .trending(trend: trend, id: id) }
    init?(_ position: Leaderboard.Position) {
        guard case .trending(let trend, let id) = position else { return nil }
        self.init(trend: trend, id: id)
    }
    fileprivate init(_ entry: Leaderboard.Entry, id: Int64) { self.init(trend: entry.trend, id: id) }
}
