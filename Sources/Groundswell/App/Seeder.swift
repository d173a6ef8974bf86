import Rules
import SQLiteStore
import Storage

/// Fills a database with demo or benchmark data: customers with known tokens (so a
/// load tool can sign requests) and ideas spread over a few categories.
public struct Seeder {
    public let context: AppContext

    public init(app: GroundswellApp) {
        context = app.context
    }

    /// Words mixed into descriptions so full-text queries match a realistic share of ideas.
    public static let vocabulary = ["garden", "bicycle", "lantern", "recycling", "playground", "library", "fountain", "market",
                                    "compost", "bakery", "mural", "workshop", "orchard", "festival", "tram", "bench"]

    /// The same words in Korean; descriptions attach particles to them, as people write.
    public static let koreanVocabulary = ["정원", "자전거", "등불", "재활용", "놀이터", "도서관", "분수", "시장",
                                          "퇴비", "빵집", "벽화", "공방", "과수원", "축제", "전차", "벤치"]

    public static let categories = ["drinks", "food", "stores", "sustainability", "community", "rewards"]

    /// The language of seeded ideas: English, Korean, or alternating.
    public enum Language: String, Sendable, CaseIterable {
        case en, ko, mixed
    }

    /// Title and description of seeded idea `i` (0-based).
    static func text(_ i: Int, language: Language) -> (title: String, description: String) {
        let korean = language == .ko || (language == .mixed && i % 2 == 1)
        let cost = 1000 + (i * 37) % 9000
        if korean {
            let a = koreanVocabulary[i % 16], b = koreanVocabulary[(i / 16) % 16]
            return ("아이디어 #\(i + 1): 도시를 더 푸르게 만들어요",
                    "\(i % 97)번 거리에 나무를 심고 \(b) 근처에 \(a)를 만들어 주세요. 예상 비용은 \(cost)유로입니다.")
        }
        return ("Idea #\(i + 1): make the city greener",
                "Plant trees along street \(i % 97) and add a \(vocabulary[i % 16]) near the \(vocabulary[(i / 16) % 16]); estimated cost \(cost) EUR.")
    }

    /// The token of seeded customer `index` (1-based). Deterministic, for load tests only.
    public static func token(forUser index: Int) -> String { "gsu_seed_\(index)" }

    /// Adds `users` customers and `ideas` ideas; returns the ids of the new customers.
    @discardableResult
    public func seed(users: Int, ideas: Int, language: Language = .en) throws -> ClosedRange<Int64>? {
        let now = context.clock.nowMillis()
        return try context.database.writer.sync { db -> ClosedRange<Int64>? in
            Seeder.foldWALAfterCommit(db)
            let first = (try db.scalarInt("SELECT COALESCE(MAX(id), 0) FROM users") ?? 0) + 1
            for i in 0..<users {
                let n = Int(first) + i
                try db.run("INSERT INTO users (name, email, email_norm, token_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                           ["Member \(n)", "member\(n)@example.com", "member\(n)@example.com",
                            Tokens.hash(Seeder.token(forUser: n)), now])
            }
            let last = first + Int64(users) - 1
            guard users > 0 || ideas == 0 else { return nil }
            let authors = users > 0 ? (first...last) : (1...max(1, (try db.scalarInt("SELECT MAX(id) FROM users") ?? 1)))
            for i in 0..<ideas {
                let author = authors.lowerBound + Int64(i) % Int64(authors.count)
                try db.run("""
                    INSERT INTO ideas (author_id, title, description, category, status, created_at)
                    VALUES (?, ?, ?, ?, 'submitted', ?)
                    """, [author, Seeder.text(i, language: language).title, Seeder.text(i, language: language).description,
                          Seeder.categories[i % Seeder.categories.count], now - Int64(ideas - i) * 1000])
            }
            return users > 0 ? first...last : nil
        }
    }

    /// Takes everything seeded into the engagement rollup at once (what the scheduler would take
    /// in over many minutes of 20,000-row writes), so a seeded server's analytics are ready.
    public func rollUpEngagement() throws {
        let now = context.clock.nowMillis()
        try context.database.writer.sync { db in
            Seeder.foldWALAfterCommit(db)
            try EngagementRollup.takeInAll(db, now: now)
        }
    }

    /// Whether the file has votes already: seeded votes go into a file without any (each idea's
    /// count and trending score are computed from the votes the seed writes).
    public func hasVotes() throws -> Bool {
        try context.read { db in try db.scalarInt("SELECT 1 FROM votes LIMIT 1") != nil }
    }

    /// The customers `count` votes need once `users` customers and `ideas` ideas are added (each idea's
    /// votes come from distinct customers: `seedVotes` spreads them evenly), and the customers the file
    /// would have; nil when there would be no idea to vote for.
    public func customersNeeded(forVotes count: Int, addingUsers users: Int, addingIdeas ideas: Int) throws -> (needed: Int, available: Int)? {
        let (haveUsers, haveIdeas) = try context.read { db in
            (Int(try db.scalarInt("SELECT COUNT(*) FROM users") ?? 0), Int(try db.scalarInt("SELECT COUNT(*) FROM ideas") ?? 0))
        }
        guard haveIdeas + ideas > 0 else { return nil }
        return (Self.votersNeeded(votes: count, ideas: haveIdeas + ideas), haveUsers + users)
    }

    /// Distinct customers `votes` votes spread evenly over `ideas` ideas need (the busiest idea's).
    static func votersNeeded(votes: Int, ideas: Int) -> Int { votes / ideas + 1 }

    /// Adds `count` votes outside rounds, spread evenly over the ideas, each idea's from distinct
    /// random customers, one vote per millisecond ending now (ids and times grow together, as
    /// `VoteTimeline` expects). Each idea's count, reach time and trending score are computed as
    /// its votes are written (`Rules.Trending`, the one formula), in transactions of ~200,000
    /// votes. For benchmark data sets (issue 14: 20,000,000 votes); returns the votes written.
    @discardableResult
    public func seedVotes(_ count: Int) throws -> Int {
        guard count > 0 else { return 0 }
        let bounds = try context.database.writer.sync { db -> (ideas: ClosedRange<Int64>, users: ClosedRange<Int64>)? in
            guard let firstIdea = try db.scalarInt("SELECT MIN(id) FROM ideas"), let lastIdea = try db.scalarInt("SELECT MAX(id) FROM ideas"),
                  let firstUser = try db.scalarInt("SELECT MIN(id) FROM users"), let lastUser = try db.scalarInt("SELECT MAX(id) FROM users")
            else { return nil }
            return (firstIdea...lastIdea, firstUser...lastUser)
        }
        guard let bounds, Self.votersNeeded(votes: count, ideas: bounds.ideas.count) <= bounds.users.count else { return 0 }
        // Built again after the insert: kept up row by row, an index by customer takes each vote
        // into a random page, and every ~200,000-vote transaction rewrites most of the index.
        let deferred = try dropSecondaryIndexes(of: "votes")
        do {
            let written = try insertVotes(count, bounds: bounds)
            try rebuild(deferred)
            return written
        } catch {
            try? rebuild(deferred)
            throw error
        }
    }

    /// Copies the WAL into the file and truncates it once this transaction commits. The server's
    /// background checkpointer keeps the WAL bounded between small commits; a seed writes without
    /// pause, transactions of ~200,000 votes, and the log could never start over (14 GB at
    /// 20,000,000 votes, docs/performance.md).
    static func foldWALAfterCommit(_ db: SQLConnection) {
        db.sqlite?.afterCommit { sqlite in try? sqlite.checkpoint() }
    }

    /// The definitions of `table`'s indexes other than its keys' own (PRIMARY KEY, UNIQUE), which are dropped
    /// (SQLite; on PostgreSQL, where tests seed too, they stay).
    private func dropSecondaryIndexes(of table: String) throws -> [String] {
        try context.database.writer.sync { db -> [String] in
            guard db.sqlite != nil else { return [] }
            let indexes = try db.query("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
                                       [table]) { ($0.string(0), $0.string(1)) }
            for (name, _) in indexes { try db.run("DROP INDEX \"\(name)\"") }
            return indexes.map(\.1)
        }
    }

    /// Creates the indexes `dropSecondaryIndexes` dropped: one sort each, pages written in order.
    private func rebuild(_ definitions: [String]) throws {
        guard !definitions.isEmpty else { return }
        try context.database.writer.sync { db in
            Seeder.foldWALAfterCommit(db)
            for sql in definitions { try db.run(sql) }
        }
    }

    private func insertVotes(_ count: Int, bounds: (ideas: ClosedRange<Int64>, users: ClosedRange<Int64>)) throws -> Int {
        let ideaCount = bounds.ideas.count
        let perIdea = count / ideaCount, extra = count % ideaCount
        let start = context.clock.nowMillis() - Int64(count)
        var written = 0
        var generator = SystemRandomNumberGenerator()
        var idea = bounds.ideas.lowerBound
        while idea <= bounds.ideas.upperBound {
            let chunkEnd = min(bounds.ideas.upperBound, idea + Int64(max(1, 200_000 / max(1, perIdea + 1))) - 1)
            let from = idea
            let base = written
            var plan: [(idea: Int64, users: [Int64])] = []
            for id in from...chunkEnd {
                let k = perIdea + (Int(id - bounds.ideas.lowerBound) < extra ? 1 : 0)
                var chosen = Set<Int64>()
                while chosen.count < k { chosen.insert(Int64.random(in: bounds.users, using: &generator)) }
                plan.append((id, Array(chosen)))
            }
            written += try context.database.writer.sync { db -> Int in
                Seeder.foldWALAfterCommit(db)
                var n = base
                for (id, users) in plan where !users.isEmpty {
                    var times: [Int64] = []
                    times.reserveCapacity(users.count)
                    for user in users {
                        let at = start + Int64(n)
                        try db.run("INSERT INTO votes (idea_id, user_id, vote_day, created_at) VALUES (?, ?, 0, ?)", [id, user, at])
                        times.append(at)
                        n += 1
                    }
                    try db.run("UPDATE ideas SET vote_count = vote_count + ?, last_vote_at = ?, last_vote_id = ?, trend = ? WHERE id = ?",
                               [Int64(users.count), times.last!, db.lastInsertRowID, Trending.score(times), id])
                }
                return n - base
            }
            idea = chunkEnd + 1
        }
        return written
    }
}
