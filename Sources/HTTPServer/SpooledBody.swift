import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A request body that went to a file (see `SpoolPolicy`). The file is removed when the
/// last reference goes, so a handler that keeps nothing leaves nothing behind.
public final class SpooledBody: Sendable {
    public let path: String
    public let count: Int

    init(path: String, count: Int) {
        self.path = path
        self.count = count
    }

    deinit { unlink(path) }

    /// The body's bytes mapped read-only: the kernel's page cache, not this process's heap.
    public func map() throws(SpoolError) -> MappedFile {
        try MappedFile(path: path, count: count)
    }
}

/// A read-only memory map of a whole file, unmapped with the value.
public final class MappedFile: @unchecked Sendable {  // read-only mapping, never written after init
    private let base: UnsafeMutableRawPointer?
    public let count: Int

    init(path: String, count: Int) throws(SpoolError) {
        self.count = count
        guard count > 0 else {
            base = nil
            return
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SpoolError(errno: errno, doing: "open") }
        defer { close(fd) }
        let mapped = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let mapped, mapped != MAP_FAILED else { throw SpoolError(errno: errno, doing: "mmap") }
        base = mapped
    }

    deinit { if let base { munmap(base, count) } }

    public func withBytes<T, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> T) throws(E) -> T {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }
}

/// A spool file could not be created, written or read (a full disk, say).
public struct SpoolError: Error, CustomStringConvertible {
    public let errno: Int32
    public let doing: String
    public var description: String { "\(doing): \(String(cString: strerror(errno)))" }
}

/// The file a spooled body is being written to, owned by one connection's parser. Dropped
/// before `finish()` (the client went away, the body was refused) it removes its file.
final class SpoolWriter {
    private var fd: Int32
    let path: String
    private(set) var written = 0
    private static let sequence = Atomic<UInt64>(0)

    init(directory: String) throws(SpoolError) {
        let n = SpoolWriter.sequence.add(1, ordering: .relaxed).newValue
        path = "\(directory)/upload-\(getpid())-\(n)-\(UInt32.random(in: 0...UInt32.max))"
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SpoolError(errno: errno, doing: "create \(path)") }
    }

    func write(_ bytes: UnsafeBufferPointer<UInt8>) throws(SpoolError) {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw SpoolError(errno: errno, doing: "write")
            }
            offset += n
        }
        written += bytes.count
    }

    /// Closes the file and hands it over; from here the returned value owns it.
    func finish() -> SpooledBody {
        close(fd)
        fd = -1
        return SpooledBody(path: path, count: written)
    }

    deinit {
        if fd >= 0 {
            close(fd)
            unlink(path)
        }
    }
}
