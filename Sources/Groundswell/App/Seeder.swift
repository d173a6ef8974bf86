import SQLiteStore

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
}
