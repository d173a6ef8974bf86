import CSQLite
import CSQLitePacing

/// The two VFSes of `CSQLitePacing`, registered with SQLite once, on first use.
/// - `paced`: a checkpoint's writes into the database file reach the disk 4 MiB at a time (the
///   checkpointer's connection; `WALCheckpointer` says why).
/// - `gathering`: also writes a WAL's frames in one call per commit instead of two per frame
///   (the writer's connection, with `synchronous = FULL` only; csqlite_pacing.h says why).
public enum PacedVFS {
    /// 4 MiB chunks: on the 2.2 GB file, random votes' p99 1.4 s → 46 ms; 1 MiB chunks cost 12 %
    /// of the votes there; on the 56 MB file neither moved the figures (docs/performance.md, session 11).
    static let chunkBytes: Int64 = 4 << 20

    private static let registered: Result<(paced: String, gathering: String), SQLiteError> = {
        let names = (paced: "groundswell-paced", gathering: "groundswell-gathering")
        let rc = csqlite_register_paced_vfs(names.paced, names.gathering, chunkBytes)
        return rc == SQLITE_OK ? .success(names) : .failure(SQLiteError(code: rc, message: "could not register the paced VFS"))
    }()

    public static func paced() throws -> String { try registered.get().paced }
    public static func gathering() throws -> String { try registered.get().gathering }
}
