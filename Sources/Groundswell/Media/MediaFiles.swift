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

    init(directory: String) throws {
        self.directory = directory
        for path in [directory, "\(directory)/tmp"] {
            if mkdir(path, 0o750) != 0 && errno != EEXIST {
                throw MediaFileError("cannot create \(path): \(String(cString: strerror(errno)))")
            }
        }
        // Leftovers of uploads a crash interrupted.
        Self.removeFiles(in: "\(directory)/tmp")
    }

    /// A stored file's name: `<sha256 hex>.<ext>`.
    static func name(of bytes: [UInt8], format: ImageFormat) -> String {
        Hex.string(SHA256.hash(data: bytes)) + "." + format.fileExtension
    }

    /// Whether `name` has the shape of a stored file's name (64 hex digits, a known extension).
    static func isValidName(_ name: String) -> Bool {
        let parts = name.split(separator: ".")
        guard parts.count == 2, parts[0].utf8.count == 64, ImageFormat(fileExtension: String(parts[1])) != nil else { return false }
        return parts[0].utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    func path(of name: String) -> String { "\(directory)/\(name.prefix(2))/\(name)" }

    /// Stores `bytes` under its content name (durably) and returns the name.
    func store(_ bytes: [UInt8], format: ImageFormat) throws -> String {
        let name = Self.name(of: bytes, format: format)
        let final = path(of: name)
        if access(final, F_OK) == 0 { return name }
        let folder = "\(directory)/\(name.prefix(2))"
        if mkdir(folder, 0o750) != 0 && errno != EEXIST { throw MediaFileError("cannot create \(folder): \(String(cString: strerror(errno)))") }
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
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name != "." && name != ".." { unlink("\(folder)/\(name)") }
        }
    }

    /// Every stored file's name (for the orphan sweep and backups).
    func allNames() -> [String] {
        var names: [String] = []
        guard let top = opendir(directory) else { return [] }
        defer { closedir(top) }
        while let entry = readdir(top) {
            let folder = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            guard folder.utf8.count == 2, let sub = opendir("\(directory)/\(folder)") else { continue }
            while let file = readdir(sub) {
                let name = withUnsafeBytes(of: file.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
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

/// The format a stored file's name says (its extension).
enum ImageFormatName {
    static func format(of name: String) -> ImageFormat? {
        name.split(separator: ".").last.flatMap { ImageFormat(fileExtension: String($0)) }
    }
}
