import SQLiteStore
import Storage

/// `groundswell backup` and `restore` for pictures: the files a database's rows use, copied
/// beside the database copy (`<backup>.media/`), content-addressed as in the media folder.
public enum MediaBackup {
    /// The media folder of a database when `--media-dir` is not given.
    public static func defaultDirectory(databasePath: String) -> String {
        guard let slash = databasePath.lastIndex(of: "/") else { return "media" }
        return String(databasePath[..<slash]) + "/media"
    }

    /// Copies the files the database at `databasePath` uses from `source` to `destination`
    /// (hard links where the file system allows, else copies); returns how many, and the
    /// names missing from `source`.
    public static func copy(databasePath: String, from source: String, to destination: String) throws -> (copied: Int, missing: [String]) {
        let connection = SQLConnection(try Connection(path: databasePath, options: GroundswellApp.connectionOptions()))
        let names = try MediaStore.allFiles(connection)
        let from = try MediaFiles(directory: source)
        let to = try MediaFiles(directory: destination)
        var copied = 0
        var missing: [String] = []
        for name in names {
            if try to.link(name, from: from) { copied += 1 } else { missing.append(name) }
        }
        return (copied, missing)
    }
}
