import CSQLite
import CSQLitePacing

/// The two VFSes of `CSQLitePacing`, registered with SQLite once, on first use.
/// - `paced`: a checkpoint's writes into the database file wait in the kernel's cache up to a
///   budget, then reach the disk 256 KiB at a time (the checkpointer's connection;
///   `WALCheckpointer` says why).
/// - `gathering`: also writes a WAL's frames in one call per commit instead of two per frame
///   (the writer's connection, with `synchronous = FULL` only; csqlite_pacing.h says why).
public enum PacedVFS {
    /// 256 KiB: 64 of the kernel's 4 KiB pages, each its own write where a pass copied random
    /// pages, so a step fits the disk's queue (128 requests on this machine's virtual disk) and a WAL
    /// flush waits behind at most one step. 4 MiB chunks (session 11: on the 2.2 GB file random votes'
    /// p99 1.4 s → 46 ms against no pacing) let 2,048 random writes queue ahead of a flush: uniform
    /// votes at 1,000,000 ideas, 20 s, p99 18–26 ms against 9–10 ms at 256 KiB, and ~10 % fewer
    /// votes (docs/performance.md, session 37). On the 56 MB file neither moves the figures.
    static let chunkBytes: Int64 = 256 << 10
    /// 32 MiB of a checkpoint's pages may wait in the kernel's cache before they are written back.
    /// Under a flood on a small file a checkpoint pass that could not finish (frames kept coming)
    /// is followed by another that copies mostly the same pages again: written back at every chunk,
    /// each pass wrote them to the disk anew, ~9 KB a vote on top of the WAL's ~8 KB, and every WAL
    /// flush waited behind them. Waiting, they are written once, when SQLite syncs the file before
    /// the WAL starts over, or when a pass leaves the rest to the writer (`WALCheckpointer`): uniform
    /// votes at 10,000 ideas +14 to +24 %, p99 8.5 → 4.2 ms (docs/performance.md, session 42).
    /// 4 MiB kept too few of a 10,000-idea file's hot pages; on a file of 1,000,000 ideas a pass's
    /// pages hardly repeat, and it writes them back a budget at a time, a chunk a step, as before.
    static let budgetBytes: Int64 = 32 << 20

    private static let registered: Result<(paced: String, gathering: String), SQLiteError> = {
        let names = (paced: "groundswell-paced", gathering: "groundswell-gathering")
        let rc = csqlite_register_paced_vfs(names.paced, names.gathering, chunkBytes, budgetBytes)
        return rc == SQLITE_OK ? .success(names) : .failure(SQLiteError(code: rc, message: "could not register the paced VFS"))
    }()

    public static func paced() throws -> String { try registered.get().paced }
    public static func gathering() throws -> String { try registered.get().gathering }
}
