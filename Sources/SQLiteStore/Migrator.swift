/// One forward-only schema step; its `version` comes from the zero-padded file name.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}

/// Applies migrations in order, each in its own `BEGIN IMMEDIATE` transaction together
/// with the row recording it, so a crash mid-way never leaves a half-applied step.
public struct Migrator {
    public enum Failure: Error, CustomStringConvertible {
        case databaseNewerThanBinary(databaseVersion: Int, knownVersion: Int)
        case duplicateVersion(Int)

        public var description: String {
            switch self {
            case let .databaseNewerThanBinary(db, known):
                return "the database is at schema version \(db), but this binary only knows versions up to \(known); run a newer groundswell"
            case let .duplicateVersion(v):
                return "two migrations share version \(v)"
            }
        }
    }

    public let migrations: [Migration]

    public init(migrations: [Migration]) throws {
        let sorted = migrations.sorted { $0.version < $1.version }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.version == b.version {
            throw Failure.duplicateVersion(a.version)
        }
        self.migrations = sorted
    }

    /// Versions already applied to `db`.
    public func appliedVersions(_ db: Connection) throws -> [Int] {
        try ensureTable(db)
        return try db.query("SELECT version FROM schema_migrations ORDER BY version") { $0.int(0) }
    }

    /// Applies every pending migration; returns the versions it applied.
    @discardableResult
    public func migrate(_ db: Connection, now: () -> Int64) throws -> [Int] {
        try ensureTable(db)
        let applied = Set(try appliedVersions(db))
        let known = migrations.last?.version ?? 0
        if let newest = applied.max(), newest > known {
            throw Failure.databaseNewerThanBinary(databaseVersion: newest, knownVersion: known)
        }
        var done: [Int] = []
        for migration in migrations where !applied.contains(migration.version) {
            try db.transaction(.immediate) {
                try db.execute(migration.sql)
                try db.run(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    [migration.version, migration.name, now()])
            }
            done.append(migration.version)
        }
        return done
    }

    private func ensureTable(_ db: Connection) throws {
        try db.execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                applied_at INTEGER NOT NULL
            )
            """)
    }
}
