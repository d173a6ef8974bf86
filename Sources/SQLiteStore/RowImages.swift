import CSQLite
#if canImport(Glibc)
import Glibc
#endif

/// The values a transaction last wrote to a few columns of the rows of one table, as SQLite's
/// preupdate hook shows them while each row changes (triggers' changes too). A value kept
/// beside the database (an order in memory) follows a commit with them instead of reading
/// every changed row back: on a random vote that read-back was ~8 % of the writer (issue 14).
///
/// The hook sees a change before the statement or savepoint around it could be undone, so an
/// image is only as good as the absence of rollbacks: the owner keeps a batch's images only when
/// nothing was undone in it (`Connection.undoCount` did not move) and reads rows back otherwise.
public final class RowImages<Image>: RowImageRecording {
    private let table: ContiguousArray<CChar>
    private let columnNames: [String]
    private let decode: (PreupdateRow) -> Image
    /// The table's column numbers of `columnNames`, found when installed on a connection.
    private var columns: [Int32] = []
    /// rowid → the row's last image (nil: deleted).
    private var images: [Int64: Image?] = [:]

    /// `decode` reads one changed row through `PreupdateRow`, whose columns are `columns` in order.
    public init(table: String, columns: [String], decode: @escaping (PreupdateRow) -> Image) {
        self.table = ContiguousArray(table.utf8CString)
        self.columnNames = columns
        self.decode = decode
    }

    /// Returns and forgets the images recorded since the last call.
    public func take() -> [Int64: Image?] {
        defer { images.removeAll(keepingCapacity: images.count <= 4096) }
        return images
    }

    func discard() { images.removeAll(keepingCapacity: images.count <= 4096) }

    func resolveColumns(_ connection: Connection) throws {
        let name = String(decoding: table.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var found: [String: Int32] = [:]
        _ = try connection.query("SELECT cid, name FROM pragma_table_info(?)", [name]) { row in
            found[row.string(1)] = Int32(row.int64(0))
        }
        columns = try columnNames.map { column in
            guard let number = found[column] else {
                throw SQLiteError(code: SQLITE_ERROR, message: "no column \(column) in table \(name)", sql: "pragma_table_info")
            }
            return number
        }
    }

    func noticed(_ handle: OpaquePointer, operation: Int32, database: UnsafePointer<CChar>, table name: UnsafePointer<CChar>,
                 oldRow: Int64, newRow: Int64) {
        guard strcmp(name, table.withUnsafeBufferPointer { $0.baseAddress! }) == 0, strcmp(database, "main") == 0 else { return }
        switch operation {
        case SQLITE_DELETE:
            images[oldRow] = .some(nil)
        case SQLITE_INSERT, SQLITE_UPDATE:
            if operation == SQLITE_UPDATE && oldRow != newRow { images[oldRow] = .some(nil) }
            images[newRow] = .some(decode(PreupdateRow(handle: handle, columns: columns)))
        default:
            return
        }
    }
}

/// The row a preupdate hook is reporting, as it will be written; valid only during the hook.
/// Column `i` is the `i`-th of the columns the `RowImages` was made with.
public struct PreupdateRow {
    let handle: OpaquePointer
    let columns: [Int32]

    private func value(_ column: Int) -> OpaquePointer? {
        var value: OpaquePointer?
        guard sqlite3_preupdate_new(handle, columns[column], &value) == SQLITE_OK else { return nil }
        return value
    }

    public func int64(_ column: Int) -> Int64 { value(column).map { sqlite3_value_int64($0) } ?? 0 }
    public func double(_ column: Int) -> Double { value(column).map { sqlite3_value_double($0) } ?? 0 }
    public func isNull(_ column: Int) -> Bool { value(column).map { sqlite3_value_type($0) == SQLITE_NULL } ?? true }

    public func string(_ column: Int) -> String {
        guard let value = value(column), let text = sqlite3_value_text(value) else { return "" }
        return String(decoding: UnsafeBufferPointer(start: text, count: Int(sqlite3_value_bytes(value))), as: UTF8.self)
    }
}

/// What a connection's preupdate hook calls, whatever the image type.
protocol RowImageRecording: AnyObject {
    func resolveColumns(_ connection: Connection) throws
    func noticed(_ handle: OpaquePointer, operation: Int32, database: UnsafePointer<CChar>, table: UnsafePointer<CChar>,
                 oldRow: Int64, newRow: Int64)
    func discard()
}

extension Connection {
    /// Adds `images` to the changes this connection's preupdate hook records. The connection
    /// keeps it alive.
    public func install<Image>(_ images: RowImages<Image>) throws {
        try images.resolveColumns(self)
        rowImages.append(images)
        guard rowImages.count == 1 else { return }
        sqlite3_preupdate_hook(handle, { context, handle, operation, database, table, oldRow, newRow in
            guard let context, let handle, let database, let table else { return }
            for images in Unmanaged<Connection>.fromOpaque(context).takeUnretainedValue().rowImages {
                images.noticed(handle, operation: operation, database: database, table: table, oldRow: oldRow, newRow: newRow)
            }
        }, Unmanaged.passUnretained(self).toOpaque())
    }
}
