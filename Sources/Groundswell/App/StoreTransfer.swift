import Crypto
import PostgresStore
import SQLiteStore

/// `groundswell migrate-store --from sqlite:PATH --to postgres://…` (issue 19): copies every table
/// of a Groundswell SQLite database into a new PostgreSQL database, then proves the copy — each
/// table's row count and a checksum of its rows, read back from both engines.
///
/// The source is read in one read transaction, so a live server can keep writing (the copy is
/// the database as of that moment; stop the server or point it at PostgreSQL right after, and
/// run again into an empty database if writes came in between). Visible ideas are indexed for
/// search on the way (`PostgresSearch`; SQLite's FTS5 index is not copied). The target is migrated first and
/// must be empty. Rows go in one PostgreSQL transaction, streamed with `COPY`, with the tables'
/// triggers off (the counts they keep are copied, not recomputed) and references and secondary
/// indexes made again after the load (checked in one pass each; rows may refer forward); identity
/// counters then continue after the highest id.
public enum StoreTransfer {
    public struct TableReport: Sendable {
        public let table: String
        public let rows: Int
        public let copiedRows: Int
        public let checksum: String
        public let copiedChecksum: String
        public var matches: Bool { rows == copiedRows && checksum == copiedChecksum }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The column kinds that matter for copying and for comparing: how a value is written out.
    enum Kind { case integer, real, text, blob }

    struct Table {
        let name: String
        let columns: [(name: String, kind: Kind)]
    }

    public static func copy(sqlitePath: String, postgresURL: String, now: Int64, log: (String) -> Void = { _ in }) throws -> [TableReport] {
        let source = try openSource(sqlitePath)
        let target = try PostgresConnection(url: postgresURL)
        return try source.transaction(.deferred) {
            let newest = try source.scalarInt("SELECT MAX(version) FROM schema_migrations") ?? 0
            guard newest == Int64(EmbeddedMigrations.all.last?.version ?? 0) else {
                throw Failure(description: "the SQLite database is at migration \(newest); this binary copies migration \(EmbeddedMigrations.all.last?.version ?? 0): run `groundswell migrate --db \(sqlitePath)` with this binary first")
            }
            let tables = try sourceTables(source)
            try PostgresMigrator.migrate(target, EmbeddedPostgresMigrations.all, now: now)
            for table in tables where try target.scalarInt("SELECT 1 FROM \(table.name) LIMIT 1") != nil {
                throw Failure(description: "the PostgreSQL database already has rows in \(table.name): migrate-store fills an empty database")
            }
            try target.transaction {
                for table in tables { try target.execute("ALTER TABLE \(table.name) DISABLE TRIGGER USER") }
                // References and secondary indexes (those no constraint needs) are dropped and made
                // again after the load: one pass each instead of a check and an index entry per row
                // (and rows may refer forward, to ones copied later).
                let references = try target.query("""
                    SELECT t.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid
                    JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = 'public' AND k.contype = 'f'
                    """) { (table: $0.string(0), name: $0.string(1), definition: $0.string(2)) }
                for reference in references { try target.execute("ALTER TABLE \(reference.table) DROP CONSTRAINT \(reference.name)") }
                let secondary = try target.query("""
                    SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                    JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
                    WHERE n.nspname = 'public' AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)
                    """) { (name: $0.string(0), definition: $0.string(1)) }
                for index in secondary { try target.execute("DROP INDEX \(index.name)") }
                for table in tables {
                    let copied = try copyRows(table, from: source, to: target)
                    if table.columns.contains(where: { $0.name == "id" }),
                       try target.scalarInt("SELECT 1 FROM pg_get_serial_sequence($1, 'id') AS s WHERE s IS NOT NULL", [table.name]) != nil {
                        try target.query("SELECT setval(pg_get_serial_sequence($1, 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM \(table.name)",
                                         [table.name])
                    }
                    log("copied \(copied) rows of \(table.name)")
                }
                log("indexed \(try indexForSearch(from: source, to: target)) ideas for search")
                for index in secondary { try target.execute(index.definition) }
                // Every reference checked now: a dangling one fails the whole copy.
                for reference in references {
                    try target.execute("ALTER TABLE \(reference.table) ADD CONSTRAINT \(reference.name) \(reference.definition)")
                }
                for table in tables { try target.execute("ALTER TABLE \(table.name) ENABLE TRIGGER USER") }
            }
            return try compare(tables, source, target)
        }
    }

    /// Compares a SQLite database and a PostgreSQL one table by table (counts and checksums), as
    /// `copy` does after copying: for checking a copy again later.
    public static func verify(sqlitePath: String, postgresURL: String) throws -> [TableReport] {
        let source = try openSource(sqlitePath)
        let target = try PostgresConnection(url: postgresURL)
        return try source.transaction(.deferred) { try compare(try sourceTables(source), source, target) }
    }

    /// The SQLite file, read-only (it may be a live server's).
    private static func openSource(_ path: String) throws -> Connection {
        var options = GroundswellApp.connectionOptions()
        options.readOnly = true
        return try Connection(path: path, options: options)
    }

    private static func compare(_ tables: [Table], _ source: Connection, _ target: PostgresConnection) throws -> [TableReport] {
        try tables.map { table in
            let ours = try checksum(table, sqlite: source), theirs = try checksum(table, postgres: target)
            return TableReport(table: table.name, rows: ours.rows, copiedRows: theirs.rows, checksum: ours.sum, copiedChecksum: theirs.sum)
        }
    }

    /// Every table of the schema but SQLite's own, the FTS5 index (PostgreSQL has its own search
    /// table) and `schema_migrations` (each engine records its own).
    static func sourceTables(_ db: Connection) throws -> [Table] {
        let names = try db.query("""
            SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'ideas_fts%'
              AND name <> 'schema_migrations' ORDER BY name
            """) { $0.string(0) }
        return try names.map { name in
            Table(name: name, columns: try db.query("SELECT name, upper(type) FROM pragma_table_info(?) ORDER BY cid", [name]) { row in
                let type = row.string(1)
                let kind: Kind = type.contains("INT") ? .integer : type.contains("REAL") ? .real : type.contains("BLOB") ? .blob : .text
                return (row.string(0), kind)
            })
        }
    }

    /// Copies a table: each row's values in COPY's text format.
    private static func copyRows(_ table: Table, from source: Connection, to target: PostgresConnection) throws -> Int {
        let columnList = table.columns.map { "\"\($0.name)\"" }.joined(separator: ", ")
        return try stream("COPY \(table.name) (\(columnList)) FROM STDIN", "SELECT \(columnList) FROM \(table.name)",
                          from: source, to: target) { row, buffer in
            for (index, column) in table.columns.enumerated() {
                if index > 0 { buffer.append(0x09) }
                let c = Int32(index)
                if row.isNull(c) {
                    buffer.append(contentsOf: [0x5C, 0x4E])  // \N
                    continue
                }
                switch column.kind {
                case .integer: buffer.append(contentsOf: String(row.int64(c)).utf8)
                case .real: buffer.append(contentsOf: (row.double(c).postgresText ?? "NaN").utf8)
                case .text: row.withText(c) { appendEscaped($0, to: &buffer) }
                case .blob:
                    buffer.append(contentsOf: [0x5C, 0x5C, 0x78])  // \\x: an escaped backslash, then x
                    buffer.append(contentsOf: Hex.string(row.blob(c)).utf8)
                }
            }
        }
    }

    /// PostgreSQL's search index (`ideas_search`, SQLite's FTS5 index has no rows to copy): every
    /// visible idea's document.
    private static func indexForSearch(from source: Connection, to target: PostgresConnection) throws -> Int {
        try stream("COPY ideas_search (idea_id, document) FROM STDIN", "SELECT id, title, description FROM ideas WHERE hidden = 0",
                   from: source, to: target) { row, buffer in
            buffer.append(contentsOf: String(row.int64(0)).utf8)
            buffer.append(0x09)
            var document = PostgresSearch.document(title: row.string(1), description: row.string(2))
            document.withUTF8 { appendEscaped($0, to: &buffer) }
        }
    }

    /// Runs `copy` (a `COPY … FROM STDIN`) fed by the rows of `select` on the SQLite side: `write`
    /// appends one row's fields (tab-separated, COPY's text format), the line ends are added here,
    /// and the rows go to the server in blocks of 1 MiB.
    private static func stream(_ copy: String, _ select: String, from source: Connection, to target: PostgresConnection,
                               write: (Row, inout [UInt8]) -> Void) throws -> Int {
        try target.copyIn(copy) { send in
            var buffer: [UInt8] = []
            buffer.reserveCapacity(1 << 20 + 64 << 10)
            _ = try source.query(select) { row in
                write(row, &buffer)
                buffer.append(0x0A)
                if buffer.count >= 1 << 20 {
                    try send(buffer)
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            try send(buffer)
        }
    }

    /// Text in COPY's text format: backslash, tab, newline and carriage return escaped.
    private static func appendEscaped(_ text: UnsafeBufferPointer<UInt8>, to buffer: inout [UInt8]) {
        for byte in text {
            switch byte {
            case 0x5C: buffer.append(contentsOf: [0x5C, 0x5C])
            case 0x09: buffer.append(contentsOf: [0x5C, 0x74])
            case 0x0A: buffer.append(contentsOf: [0x5C, 0x6E])
            case 0x0D: buffer.append(contentsOf: [0x5C, 0x72])
            default: buffer.append(byte)
            }
        }
    }

    /// Rows and an order-independent checksum: the sum, lane by lane, of each row's SHA-256 over
    /// its values written out the same way for both engines (integers in decimal, reals as the
    /// shortest text that reads back exactly, text as is, blobs in hex, NULL as its own mark).
    private struct Sum {
        var rows = 0
        var lanes: [UInt64] = [0, 0, 0, 0]
        mutating func add(_ values: [String?]) {
            var hasher = SHA256()
            for value in values {
                if let value { hasher.update(data: Array(value.utf8)); hasher.update(data: [0x1F]) } else { hasher.update(data: [0x00, 0x1E]) }
            }
            let digest = Array(hasher.finalize())
            for lane in 0..<4 {
                var word: UInt64 = 0
                for byte in digest[(lane * 8)..<(lane * 8 + 8)] { word = word << 8 | UInt64(byte) }
                lanes[lane] &+= word
            }
            rows += 1
        }
        var text: String { lanes.map { String($0, radix: 16) }.joined(separator: "-") }
    }

    private static func checksum(_ table: Table, sqlite db: Connection) throws -> (rows: Int, sum: String) {
        var sum = Sum()
        let columnList = table.columns.map { "\"\($0.name)\"" }.joined(separator: ", ")
        _ = try db.query("SELECT \(columnList) FROM \(table.name)") { row in
            sum.add(table.columns.enumerated().map { index, column -> String? in
                let c = Int32(index)
                if row.isNull(c) { return nil }
                switch column.kind {
                case .integer: return String(row.int64(c))
                case .real: return String(row.double(c))
                case .text: return row.string(c)
                case .blob: return Hex.string(row.blob(c))
                }
            })
        }
        return (sum.rows, sum.text)
    }

    private static func checksum(_ table: Table, postgres db: PostgresConnection) throws -> (rows: Int, sum: String) {
        var sum = Sum()
        let columnList = table.columns.map { "\"\($0.name)\"" }.joined(separator: ", ")
        // Through a cursor, 10,000 rows at a time: a 20,000,000-row table never sits in memory.
        try db.transaction(.repeatableRead, readOnly: true) {
            try db.execute("DECLARE transfer_check NO SCROLL CURSOR FOR SELECT \(columnList) FROM \(table.name)")
            while true {
                let result = try db.query("FETCH 10000 FROM transfer_check")
                if result.count == 0 { break }
                for index in 0..<result.count {
                    let row = result[index]
                    sum.add(table.columns.enumerated().map { column, spec -> String? in
                        guard let text = row.optionalString(column) else { return nil }
                        switch spec.kind {
                        case .integer: return Int64(text).map { String($0) } ?? text
                        case .real: return Double(text).map { String($0) } ?? text
                        case .text: return text
                        case .blob: return text.hasPrefix("\\x") ? String(text.dropFirst(2)) : text
                        }
                    })
                }
            }
            try db.execute("CLOSE transfer_check")
        }
        return (sum.rows, sum.text)
    }
}
