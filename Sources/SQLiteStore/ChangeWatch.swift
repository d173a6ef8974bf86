import CSQLite
#if canImport(Glibc)
import Glibc
#endif

/// Notices row changes to a few tables on one connection (SQLite's update hook, so
/// changes made by triggers count too). Caches of rarely changing tables use it to be
/// emptied right after a commit that touched them, instead of asking the database on
/// every request.
public final class ChangeWatch {
    /// The kinds of row change to watch.
    public struct Operations: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let insert = Operations(rawValue: 1)
        public static let update = Operations(rawValue: 2)
        public static let delete = Operations(rawValue: 4)
    }

    private let tables: [ContiguousArray<CChar>]
    private let operations: Operations
    private let recordsRows: Bool
    /// Set by the hook; read and cleared by the connection's owner.
    public internal(set) var changed = false
    /// The rowids changed (repeats possible), when asked to record them.
    private var rows: [Int64] = []

    /// `recordsRows`: also keep the rowid of every watched change, for `takeRows()`.
    public init(tables: [String], operations: Operations, recordsRows: Bool = false) {
        self.tables = tables.map { ContiguousArray($0.utf8CString) }
        self.operations = operations
        self.recordsRows = recordsRows
    }

    /// Clears and returns whether a watched change happened since the last call.
    public func take() -> Bool {
        defer { changed = false }
        return changed
    }

    /// Clears and returns the rowids changed since the last call, each once.
    public func takeRows() -> [Int64] {
        changed = false
        guard !rows.isEmpty else { return [] }
        var seen = Set<Int64>(minimumCapacity: rows.count)
        let distinct = rows.filter { seen.insert($0).inserted }
        rows.removeAll(keepingCapacity: rows.count <= 4096)
        return distinct
    }

    fileprivate func noticed(operation: Int32, table: UnsafePointer<CChar>, row: Int64) {
        let kind: Operations
        switch operation {
        case SQLITE_INSERT: kind = .insert
        case SQLITE_UPDATE: kind = .update
        case SQLITE_DELETE: kind = .delete
        default: return
        }
        guard operations.contains(kind), !changed || recordsRows else { return }
        for name in tables where name.withUnsafeBufferPointer({ strcmp($0.baseAddress!, table) }) == 0 {
            changed = true
            if recordsRows { rows.append(row) }
            return
        }
    }
}

extension Connection {
    /// Adds `watch` to the changes this connection reports (through its update hook).
    /// The connection keeps the watch alive.
    public func install(_ watch: ChangeWatch) {
        changeWatches.append(watch)
        guard changeWatches.count == 1 else { return }
        sqlite3_update_hook(handle, { context, operation, _, table, row in
            guard let context, let table else { return }
            for watch in Unmanaged<Connection>.fromOpaque(context).takeUnretainedValue().changeWatches {
                watch.noticed(operation: operation, table: table, row: row)
            }
        }, Unmanaged.passUnretained(self).toOpaque())
    }
}
