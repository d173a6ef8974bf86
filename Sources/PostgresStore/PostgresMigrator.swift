/// Applies numbered migrations to a PostgreSQL database, each in its own transaction with its
/// `schema_migrations` row, under a transaction-level advisory lock: nodes starting together
/// apply each migration once, the others wait and then find it applied. A database whose newest
/// migration is unknown to this binary is refused (a newer node migrated it).
public enum PostgresMigrator {
    public struct Migration: Sendable {
        public let version: Int64
        public let name: String
        public let sql: String

        public init(version: Int64, name: String, sql: String) {
            self.version = version
            self.name = name
            self.sql = sql
        }
    }

    /// The advisory lock key of migrations (any constant shared by every node).
    static let lockKey: Int64 = 0x67_73_6d_69_67  // "gsmig"

    /// Applies what is missing; returns the versions applied now.
    @discardableResult
    public static func migrate(_ db: PostgresConnection, _ migrations: [Migration], now: Int64) throws -> [Int64] {
        // Under the lock too: two `CREATE TABLE IF NOT EXISTS` at once can both try to create it
        // (and one fails on the catalog's unique index) when nodes start together.
        try db.transaction {
            try db.query("SELECT pg_advisory_xact_lock($1)", [lockKey])
            try db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)")
        }
        let known = Set(migrations.map(\.version))
        var applied: [Int64] = []
        for migration in migrations.sorted(by: { $0.version < $1.version }) {
            let done = try db.transaction {
                try db.query("SELECT pg_advisory_xact_lock($1)", [lockKey])
                if let newest = try db.scalarInt("SELECT MAX(version) FROM schema_migrations"), !known.contains(newest) {
                    throw PostgresError(sqlState: "GS001", message: "the database has migration \(newest), which this binary does not know: run a newer Groundswell")
                }
                guard try db.scalarInt("SELECT 1 FROM schema_migrations WHERE version = $1", [migration.version]) == nil else { return false }
                try db.execute(migration.sql)
                try db.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                           [migration.version, migration.name, now])
                return true
            }
            if done { applied.append(migration.version) }
        }
        return applied
    }
}
