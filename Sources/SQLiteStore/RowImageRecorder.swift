import CSQLite
#if canImport(Glibc)
import Glibc
#endif

/// Keeps the values a transaction writes to a few columns of one table's rows, as SQLite's
/// preupdate hook shows them while each row changes (triggers' changes too). A value kept
/// beside the database (an order in memory) follows a commit with them instead of reading
/// every changed row back: on a random vote that read-back was ~8 % of the writer (issue 14).
/// The recorder is the caller's own type, so that its storage is compiled for its values.
///
/// The hook sees a change before the statement or savepoint around it could be undone, so an
/// image is only as good as the absence of rollbacks: the owner (`GroupCommitWriter`) trusts a
/// batch's images only when nothing was undone in it (`Connection.undoCount` did not move).
public protocol RowImageRecorder: AnyObject {
    /// Row `rowid` changed; `row` holds its columns as they will be written (nil: deleted).
    /// Called inside the statement: read `row` now, never keep it.
    func changed(_ rowid: Int64, _ row: PreupdateRow?)
    /// Forgets what was recorded (the batch is over).
    func discard()
}

/// The row a preupdate hook is reporting, as it will be written; valid only during the hook.
/// Column `i` is the `i`-th of the columns the recorder was installed with.
public struct PreupdateRow {
    let handle: OpaquePointer
    let columns: [Int32]
    /// SQLITE_INSERT or SQLITE_UPDATE.
    let operation: Int32
    /// The statement `Statement.step` was stepping when the change was made (nil: another way).
    let statement: OpaquePointer?

    private func value(_ column: Int) -> OpaquePointer? {
        var value: OpaquePointer?
        guard sqlite3_preupdate_new(handle, columns[column], &value) == SQLITE_OK else { return nil }
        return value
    }

    /// An update's column `column` as it was before (nil for an insert).
    private func oldValue(_ column: Int) -> OpaquePointer? {
        var value: OpaquePointer?
        guard operation == SQLITE_UPDATE, sqlite3_preupdate_old(handle, columns[column], &value) == SQLITE_OK else { return nil }
        return value
    }

    /// Whether the row is new (an insert), not an update of one.
    public var isInsert: Bool { operation == SQLITE_INSERT }

    /// Whether an update left column `column` as it was (its value and type; false for an insert).
    public func isUnchanged(_ column: Int) -> Bool {
        guard let old = oldValue(column), let new = value(column) else { return false }
        let type = sqlite3_value_type(new)
        guard sqlite3_value_type(old) == type else { return false }
        switch type {
        case SQLITE_NULL: return true
        case SQLITE_INTEGER: return sqlite3_value_int64(old) == sqlite3_value_int64(new)
        case SQLITE_FLOAT: return sqlite3_value_double(old) == sqlite3_value_double(new)
        default:
            let count = sqlite3_value_bytes(new)
            guard sqlite3_value_bytes(old) == count else { return false }
            guard count > 0 else { return true }
            return memcmp(sqlite3_value_blob(old), sqlite3_value_blob(new), Int(count)) == 0
        }
    }

    public func int64(_ column: Int) -> Int64 { value(column).map { sqlite3_value_int64($0) } ?? 0 }
    public func double(_ column: Int) -> Double { value(column).map { sqlite3_value_double($0) } ?? 0 }
    public func isNull(_ column: Int) -> Bool { value(column).map { sqlite3_value_type($0) == SQLITE_NULL } ?? true }

    /// Whether the change is an update made by the statement `sql` itself (not by a trigger it
    /// fired): a caller that knows what that statement sets knows which columns changed — a vote's
    /// count update changes the idea's counts alone — without comparing every column.
    public func isDirectChange(by sql: String) -> Bool {
        guard operation == SQLITE_UPDATE, sqlite3_preupdate_depth(handle) == 0, let statement,
              let text = sqlite3_sql(statement) else { return false }
        return sql.withCString { strcmp($0, text) == 0 }
    }

    public func string(_ column: Int) -> String {
        guard let value = value(column), let text = sqlite3_value_text(value) else { return "" }
        return String(decoding: UnsafeBufferPointer(start: text, count: Int(sqlite3_value_bytes(value))), as: UTF8.self)
    }
}

/// One recorder as the connection's hook sees it: its table's name and column numbers.
final class RowImageHook {
    private let table: ContiguousArray<CChar>
    private let columns: [Int32]
    private let recorder: RowImageRecorder

    init(_ connection: Connection, table: String, columns names: [String], recorder: RowImageRecorder) throws {
        var found: [String: Int32] = [:]
        _ = try connection.query("SELECT cid, name FROM pragma_table_info(?)", [table]) { row in
            found[row.string(1)] = Int32(row.int64(0))
        }
        columns = try names.map { column in
            guard let number = found[column] else {
                throw SQLiteError(code: SQLITE_ERROR, message: "no column \(column) in table \(table)", sql: "pragma_table_info")
            }
            return number
        }
        self.table = ContiguousArray(table.utf8CString)
        self.recorder = recorder
    }

    func noticed(_ handle: OpaquePointer, operation: Int32, database: UnsafePointer<CChar>, table name: UnsafePointer<CChar>,
                 oldRow: Int64, newRow: Int64, statement: OpaquePointer?) {
        guard table.withUnsafeBufferPointer({ strcmp(name, $0.baseAddress!) }) == 0, strcmp(database, "main") == 0 else { return }
        switch operation {
        case SQLITE_DELETE:
            recorder.changed(oldRow, nil)
        case SQLITE_INSERT, SQLITE_UPDATE:
            // A changed rowid: the update hook reports only the new one.
            if operation == SQLITE_UPDATE && oldRow != newRow { recorder.changed(oldRow, nil) }
            recorder.changed(newRow, PreupdateRow(handle: handle, columns: columns, operation: operation, statement: statement))
        default:
            return
        }
    }
}

extension Connection {
    /// Has the preupdate hook tell `recorder` about every change to `table`'s rows (in the main
    /// database), with `columns` readable. The connection keeps the recorder alive.
    public func install(_ recorder: RowImageRecorder, table: String, columns: [String]) throws {
        rowImageHooks.append(try RowImageHook(self, table: table, columns: columns, recorder: recorder))
        guard rowImageHooks.count == 1 else { return }
        sqlite3_preupdate_hook(handle, { context, handle, operation, database, table, oldRow, newRow in
            guard let context, let handle, let database, let table else { return }
            let connection = Unmanaged<Connection>.fromOpaque(context).takeUnretainedValue()
            for hook in connection.rowImageHooks {
                hook.noticed(handle, operation: operation, database: database, table: table, oldRow: oldRow, newRow: newRow,
                             statement: connection.stepping.statement)
            }
        }, Unmanaged.passUnretained(self).toOpaque())
    }
}
