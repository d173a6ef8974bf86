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

    public static let categories = ["drinks", "food", "stores", "sustainability", "community", "rewards"]

    /// The token of seeded customer `index` (1-based). Deterministic, for load tests only.
    public static func token(forUser index: Int) -> String { "gsu_seed_\(index)" }

    /// Adds `users` customers and `ideas` ideas; returns the ids of the new customers.
    @discardableResult
    public func seed(users: Int, ideas: Int) throws -> ClosedRange<Int64>? {
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
                    """, [author, "Idea #\(i + 1): make the city greener",
                          "Plant trees along street \(i % 97) and add a \(Seeder.vocabulary[i % 16]) near the \(Seeder.vocabulary[(i / 16) % 16]); estimated cost \(1000 + (i * 37) % 9000) EUR.",
                          Seeder.categories[i % Seeder.categories.count], now - Int64(ideas - i) * 1000])
            }
            return users > 0 ? first...last : nil
        }
    }
}
