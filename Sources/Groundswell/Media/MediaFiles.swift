#if canImport(Glibc)
import Glibc
#endif
import Crypto
import Imaging

/// The picture files, content-addressed: `<directory>/<first two hex digits>/<sha256>.<ext>`.
/// A file is written to `tmp/`, synced, then renamed into place (and the folder synced), so a
/// file under its name is always whole; the same picture uploaded twice is stored once. Only
/// database rows make a file reachable: a file without one (a crash between the rename and the
/// commit) is never served, and `sweep` removes it.
struct MediaFiles: Sendable {
    let directory: String

    /// Opens (creating if needed) the folder. Nothing in it is removed: a backup opens the live
    /// server's folder too; the server clears its own leftovers (`removeLeftovers`).
    init(directory: String) throws {
        self.directory = directory
        try Self.makeDirectory(directory)
        try Self.makeDirectory("\(directory)/tmp")
    }

    /// Temporary files of uploads a crash interrupted (only the server's own start calls this).
    func removeLeftovers() { Self.removeFiles(in: "\(directory)/tmp") }

    /// Creates `path` unless it exists.
    static func makeDirectory(_ path: String) throws {
        if mkdir(path, 0o750) != 0 && errno != EEXIST {
            throw MediaFileError("cannot create \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// A stored file's name: `<sha256 hex>.<ext>`.
    static func name(of bytes: [UInt8], format: ImageFormat) -> String {
        Hex.string(SHA256.hash(data: bytes)) + "." + format.fileExtension
    }

    /// A stored file's name taken apart — 64 lower-case hex digits and a known extension — or nil.
    static func parse(_ name: String) -> (hash: String, format: ImageFormat)? {
        let parts = name.split(separator: ".")
        guard parts.count == 2, parts[0].utf8.count == 64, let format = ImageFormat(fileExtension: String(parts[1])),
              parts[0].utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else { return nil }
        return (String(parts[0]), format)
    }

    static func isValidName(_ name: String) -> Bool { parse(name) != nil }

    func path(of name: String) -> String { "\(directory)/\(name.prefix(2))/\(name)" }

    /// Stores `bytes` under its content name (durably) and returns the name.
    func store(_ bytes: [UInt8], format: ImageFormat) throws -> String {
        let name = Self.name(of: bytes, format: format)
        let final = path(of: name)
        if access(final, F_OK) == 0 { return name }
        let folder = "\(directory)/\(name.prefix(2))"
        try Self.makeDirectory(folder)
        let temporary = "\(directory)/tmp/\(name).\(UInt64.random(in: 0...UInt64.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw MediaFileError("cannot create \(temporary): \(String(cString: strerror(errno)))") }
        var ok = true
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 { if errno == EINTR { continue }; ok = false; return }
                offset += n
            }
        }
        ok = ok && fsync(fd) == 0
        close(fd)
        guard ok, rename(temporary, final) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw MediaFileError("cannot store \(name): \(reason)")
        }
        Self.syncDirectory(folder)
        return name
    }

    /// The file's bytes, or nil if it is not there.
    func read(_ name: String) -> [UInt8]? {
        let fd = open(path(of: name), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        let size = Int(info.st_size)
        var bytes = [UInt8](repeating: 0, count: size)
        var offset = 0
        let complete = bytes.withUnsafeMutableBytes { buffer -> Bool in
            while offset < size {
                let n = Glibc.read(fd, buffer.baseAddress! + offset, size - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
        return complete ? bytes : nil
    }

    func remove(_ name: String) {
        guard Self.isValidName(name) else { return }
        unlink(path(of: name))
    }

    private static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }

    static func removeFiles(in folder: String) {
        guard let dir = opendir(folder) else { return }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = Self.name(of: entry)
            if name != "." && name != ".." { unlink("\(folder)/\(name)") }
        }
    }

    private static func name(of entry: UnsafeMutablePointer<dirent>) -> String {
        withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
    }

    /// Puts `name` from `source` here: a hard link where the file system allows, else a
    /// durable copy. False if `source` does not have it.
    func link(_ name: String, from source: MediaFiles) throws -> Bool {
        let target = path(of: name)
        if access(target, F_OK) == 0 { return true }
        try Self.makeDirectory("\(directory)/\(name.prefix(2))")
        if Glibc.link(source.path(of: name), target) == 0 { return true }
        guard let format = Self.parse(name)?.format, let bytes = source.read(name) else { return false }
        _ = try store(bytes, format: format)
        return true
    }

    /// Every stored file's name (for the orphan sweep and backups).
    func allNames() -> [String] {
        var names: [String] = []
        guard let top = opendir(directory) else { return [] }
        defer { closedir(top) }
        while let entry = readdir(top) {
            let folder = Self.name(of: entry)
            guard folder.utf8.count == 2, let sub = opendir("\(directory)/\(folder)") else { continue }
            while let file = readdir(sub) {
                let name = Self.name(of: file)
                if Self.isValidName(name) { names.append(name) }
            }
            closedir(sub)
        }
        return names
    }
}

struct MediaFileError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

