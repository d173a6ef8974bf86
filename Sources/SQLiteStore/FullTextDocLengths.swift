import CSQLite

/// Each row's total token count of one FTS5 table, in memory, for the ranking function
/// `RegisteredRanking` registers: FTS5's own `bm25()` looks up the row's `_docsize` record for
/// every match (one statement execution each), which is most of a cold ranking's time when a
/// common word matches 100,000 rows.
///
/// Correct only while it equals the snapshot a query reads, which the owner keeps so:
/// `stamp(writer.commitCount + 1)` *before* committing a transaction that changes `_docsize`
/// rows, then `refresh` of those rows after the commit and before the commit count moves (see
/// `GroupCommitWriter.onCommittedRows(of:beforeCommit:_:)`). A query passes `validity(readAt:)`
/// — the commit count it read before its snapshot began — and the function uses the table only
/// if nothing was stamped after that; `stillValid(readAt:)` afterwards says whether a commit
/// during the query may have changed a count it read (then rank again without the table).
/// `@unchecked Sendable`: the C table is made of atomics and its address never changes.
public final class FullTextDocLengths: @unchecked Sendable {
    let table: UnsafeMutableRawPointer

    public init() {
        guard let table = csqlite_doclengths_create() else { fatalError("out of memory for the document lengths table") }
        self.table = table
    }

    deinit { csqlite_doclengths_free(table) }

    /// The count kept for `rowid` (0: not known).
    public func length(of rowid: Int64) -> UInt32 { csqlite_doclengths_get(table, rowid) }

    /// Whether queries may use it (false until `load` finished against an unchanged file).
    public var isReady: Bool { csqlite_doclengths_ready(table) != 0 }

    /// The commit count after which kept counts may differ from a snapshot.
    public var changedAt: UInt64 { csqlite_doclengths_changed_at(table) }

    /// Marks counts as possibly different from snapshots that began before commit `at`.
    public func stamp(_ at: UInt64) { csqlite_doclengths_stamp(table, at) }

    /// The ranking function's `valid_at` argument for a query whose snapshot began after the
    /// writer's commit count was `readAt` (nil: unknown, so the table is not used).
    public func validity(readAt: UInt64?) -> Int64 {
        guard let readAt, isReady, changedAt <= readAt else { return -1 }
        return Int64(clamping: readAt)
    }

    /// Whether a query that passed `validity(readAt:)` read only counts of its own snapshot.
    public func stillValid(readAt: UInt64?) -> Bool {
        guard let readAt else { return true }
        return changedAt <= readAt
    }

    /// Reads every row's sizes from `docsizeTable` (FTS5's `<table>_docsize`); call inside a read
    /// transaction that began after the writer's commit count was `readAt`. Ready if no change
    /// was stamped after `readAt` meanwhile; returns whether it became ready.
    @discardableResult
    public func load(_ connection: Connection, docsizeTable: String, readAt: UInt64) throws -> Bool {
        csqlite_doclengths_set_ready(table, 0)
        let statement = try connection.prepare("SELECT id, sz FROM \(docsizeTable)")
        while try statement.step() {
            set(statement.handle, rowid: sqlite3_column_int64(statement.handle, 0))
        }
        guard changedAt <= readAt else { return false }
        csqlite_doclengths_set_ready(table, 1)
        return true
    }

    /// Stops queries from using it (until the next successful `load`).
    public func invalidate() { csqlite_doclengths_set_ready(table, 0) }

    /// Reads the current sizes of `rowids` (a row no longer there counts as unknown).
    public func refresh(_ connection: Connection, docsizeTable: String, rowids: [Int64]) throws {
        let statement = try connection.cached("SELECT sz FROM \(docsizeTable) WHERE id = ?")
        for rowid in rowids {
            try statement.bind(.integer(rowid), at: 1)
            defer { statement.reset() }
            if try statement.step() {
                set(statement.handle, rowid: rowid)
            } else {
                _ = csqlite_doclengths_set(table, rowid, 0)
            }
        }
    }

    /// Stores the total of the `sz` blob in the statement's last column.
    private func set(_ statement: OpaquePointer, rowid: Int64) {
        let column = sqlite3_column_count(statement) - 1
        let count = sqlite3_column_bytes(statement, column)
        let total = sqlite3_column_blob(statement, column).map {
            csqlite_docsize_total($0.assumingMemoryBound(to: UInt8.self), count)
        } ?? 0
        // A rowid past the table's range (2^31) stays unknown: the function asks FTS5 for it.
        _ = csqlite_doclengths_set(table, rowid, total)
    }
}

/// A BM25 ranking function (`name(fts_table, valid_at, weight, …)`, exactly FTS5's `bm25()`
/// otherwise) reading lengths from `lengths`, as `Connection.Options` carries it.
public struct RegisteredRanking: Sendable {
    public let name: String
    public let lengths: FullTextDocLengths

    public init(name: String, lengths: FullTextDocLengths) {
        self.name = name
        self.lengths = lengths
    }
}

extension Connection {
    /// Makes `registered` callable on this connection; the connection keeps its table alive.
    func register(_ registered: RegisteredRanking) throws {
        let rc = csqlite_register_bm25(handle, registered.name, registered.lengths.table)
        guard rc == SQLITE_OK else {
            throw SQLiteError(code: rc, message: "could not register the FTS5 function \(registered.name)")
        }
        keptAlive.append(registered.lengths)
    }
}
