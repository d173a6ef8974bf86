/// The database as the rest of the program sees it: one writer with group commit
/// and a pool of readers over the same WAL-mode file.
/// `@unchecked Sendable`: its members are immutable references to thread-safe types.
public final class Database: @unchecked Sendable {
    public let path: String
    public let writer: GroupCommitWriter
    public let readers: ReaderPool

    /// Opens the file, applies pending migrations, then starts the writer and readers.
    public init(path: String, migrations: [Migration], readers: Int,
                options: Connection.Options = Connection.Options(), now: () -> Int64) throws {
        self.path = path
        // The writer touches index pages all over the file; a larger cache saves re-reads.
        var writerOptions = options
        writerOptions.cacheKiB = max(options.cacheKiB, 8 * 1024)
        let writeConnection = try Connection(path: path, options: writerOptions)
        try Migrator(migrations: migrations).migrate(writeConnection, now: now)
        self.writer = GroupCommitWriter(connection: writeConnection)
        self.readers = try ReaderPool(path: path, count: readers, options: options)
    }

    public func read<T>(_ body: (Connection) throws -> T) throws -> T {
        try readers.read(body)
    }

    /// Stops the writer after it drains, checkpoints the WAL, and drops the readers.
    public func close() {
        writer.close()
        readers.close()
    }
}
