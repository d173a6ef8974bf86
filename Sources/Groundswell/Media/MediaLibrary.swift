import HTTPServer
import Imaging
import Logging
import SQLiteStore
import Storage
import Synchronization

/// Settings for pictures on ideas (`--media-dir`, `--max-upload`, `--media-quota`).
public struct MediaSettings: Sendable {
    /// Where picture files live; nil: `media/` beside the database.
    public var directory: String?
    /// Largest upload request body (`--max-upload`, default 5 MiB).
    public var maxUpload = 5 << 20
    /// Bytes of pictures (originals and renditions, as stored) one customer may keep (`--media-quota`).
    public var quotaBytes: Int64 = 50 << 20
    public var imageLimits = ImageLimits()
    public init() {}
}

/// The pictures' files and the thread that decodes them. Decoding takes milliseconds to a
/// second of CPU, so it never runs on an event loop or the writer: one thread, a bounded
/// queue (beyond it `503 overloaded`), so 100 uploads at once take turns and memory holds one
/// picture's work at a time.
final class MediaLibrary: Sendable {
    let files: MediaFiles
    let settings: MediaSettings
    let spoolDirectory: String
    let work: BackgroundReads
    /// Files stored for uploads whose rows are not committed yet, by name: a deletion never
    /// removes one of them (the same picture uploaded again while its twin is deleted).
    private let inFlight = Mutex<[String: Int]>([:])

    init(settings: MediaSettings, databasePath: String, logger: Logger) throws {
        let directory = settings.directory ?? MediaBackup.defaultDirectory(databasePath: databasePath)
        self.settings = settings
        files = try MediaFiles(directory: directory)
        spoolDirectory = "\(directory)/spool"
        try MediaFiles.makeDirectory(spoolDirectory)
        // What a crash left: temporary files of stored pictures and upload bodies.
        files.removeLeftovers()
        MediaFiles.removeFiles(in: spoolDirectory)
        work = BackgroundReads(capacity: 128, logger: logger, name: "gs-media",
                               busy: ErrorCode.overloaded.error("too many uploads at once; retry shortly",
                                                                headers: HTTPHeaders([("Retry-After", "2")])))
    }

    /// The upload routes, whose bodies the server writes to the spool folder.
    func spoolPolicy() -> SpoolPolicy {
        SpoolPolicy(directory: spoolDirectory, maxBytes: settings.maxUpload) { method, path in
            method == .post && MediaLibrary.isUploadPath(path)
        }
    }

    /// `/ideas/{id}/media` (the API) and `/ideas/{id}/picture` (the web form).
    static func isUploadPath(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0].isEmpty && parts[1] == "ideas" && !parts[2].isEmpty
            && (parts[3] == "media" || parts[3] == "picture")
    }

    /// Stores a processed picture's two files, marked in flight until `release`.
    func store(_ image: ProcessedImage) throws -> (file: String, rendition: String) {
        try inFlight.withLock { flight in
            let file = try files.store(image.bytes, format: image.format)
            let rendition = try files.store(image.rendition, format: image.format)
            flight[file, default: 0] += 1
            flight[rendition, default: 0] += 1
            return (file, rendition)
        }
    }

    func release(_ names: [String]) {
        inFlight.withLock { flight in
            for name in names {
                let left = (flight[name] ?? 1) - 1
                flight[name] = left > 0 ? left : nil
            }
        }
    }

    /// Removes files no row uses any more (called after the commit that deleted the rows).
    func remove(_ names: [String]) {
        inFlight.withLock { flight in
            for name in names where flight[name] == nil { files.remove(name) }
        }
    }

    /// At start-up, before serving: files no row uses (an upload interrupted between its
    /// files and its commit) are removed.
    func sweep(_ db: SQLConnection) throws -> Int {
        var removed = 0
        for name in files.allNames() where try !MediaStore.referenced(db, file: name) {
            files.remove(name)
            removed += 1
        }
        return removed
    }

    func stop() { work.stop() }
}
