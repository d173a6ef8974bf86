import CSQLite
import CSQLitePacing

/// The two VFSes of `CSQLitePacing`, registered with SQLite once, on first use.
/// - `paced`: a checkpoint's writes into the database file reach the disk 256 KiB at a time (the
///   checkpointer's connection; `WALCheckpointer` says why).
/// - `gathering`: also writes a WAL's frames in one call per commit instead of two per frame
///   (the writer's connection, with `synchronous = FULL` only; csqlite_pacing.h says why).
public enum PacedVFS {
    /// 256 KiB: 128 database pages of 2 KiB, each its own write where a pass copies random pages,
    /// so a chunk fits the disk's queue (128 requests on this machine's virtual disk) and a WAL flush
    /// waits behind at most one chunk. 4 MiB chunks (session 11: on the 2.2 GB file random votes'
    /// p99 1.4 s → 46 ms against no pacing) let 2,048 random writes queue ahead of a flush: uniform
    /// votes at 1,000,000 ideas, 20 s, p99 18–26 ms against 9–10 ms at 256 KiB, and ~10 % fewer
    /// votes (docs/performance.md, session 37). On the 56 MB file neither moves the figures.
    static let chunkBytes: Int64 = 256 << 10

    private static let registered: Result<(paced: String, gathering: String), SQLiteError> = {
        let names = (paced: "groundswell-paced", gathering: "groundswell-gathering")
        let rc = csqlite_register_paced_vfs(names.paced, names.gathering, chunkBytes)
        return rc == SQLITE_OK ? .success(names) : .failure(SQLiteError(code: rc, message: "could not register the paced VFS"))
    }()

    public static func paced() throws -> String { try registered.get().paced }
    public static func gathering() throws -> String { try registered.get().gathering }
}
