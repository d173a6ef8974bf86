import Storage

/// The SQLite file's tables as its schema lists them (SQLite only).
enum SchemaStore {
    struct Table {
        let name: String
        /// Changes to such a table are not reported by SQLite's update hook (`ChangeWatch`).
        let withoutRowID: Bool
    }

    /// Every ordinary and virtual table but SQLite's own.
    static func tables(_ db: SQLConnection) throws -> [Table] {
        try db.query("SELECT name, coalesce(sql, '') FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name") { row in
            Table(name: row.string(0), withoutRowID: row.string(1).uppercased().contains("WITHOUT ROWID"))
        }
    }
}
