import JSON
import CLinux
import Foundation
import Groundswell
import HTTPServer
import Logging

/// Log lines go to stdout through one in-memory buffer that a background thread flushes
/// every 50 ms (or at once when it grows past 256 KiB), so an access-log line costs a
/// short append instead of a locked, unbuffered write per request.
final class LogSink: @unchecked Sendable {
    static let shared = LogSink()
    private let lock = NSLock()
    private var buffer: [UInt8] = []
    private let flushThreshold = 256 * 1024

    private init() {
        buffer.reserveCapacity(flushThreshold)
        let thread = Thread { [unowned self] in
            while true {
                Thread.sleep(forTimeInterval: 0.05)
                self.flush()
            }
        }
        thread.name = "groundswell-log"
        thread.start()
    }

    func append(_ line: [UInt8]) {
        lock.lock()
        buffer.append(contentsOf: line)
        let full = buffer.count >= flushThreshold
        lock.unlock()
        if full { flush() }
    }

    /// The access log's fast path: the line is copied into the buffer with the same prefix a
    /// `BufferedLogHandler` would write (`<timestamp> info <label>: `), without building a
    /// `String` or a log event per request.
    func appendAccessLine(_ message: UnsafeRawBufferPointer, label: [UInt8]) {
        let now = SystemClock().nowMillis()
        lock.lock()
        LogSink.appendPrefix(at: now, level: .info, label: label, to: &buffer)
        buffer.append(contentsOf: message)
        buffer.append(0x0A)
        let full = buffer.count >= flushThreshold
        lock.unlock()
        if full { flush() }
    }

    /// `<timestamp> <level> <label>: `, the start of every line.
    static func appendPrefix(at millis: Int64, level: Logger.Level, label: some Sequence<UInt8>, to out: inout [UInt8]) {
        Timestamp.append(millis, to: &out)
        out.append(0x20)
        out.append(contentsOf: level.rawValue.utf8)
        out.append(0x20)
        out.append(contentsOf: label)
        out.append(contentsOf: ": ".utf8)
    }

    func flush() {
        lock.lock()
        guard !buffer.isEmpty else {
            lock.unlock()
            return
        }
        let pending = buffer
        buffer.removeAll(keepingCapacity: true)
        lock.unlock()
        pending.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(STDOUT_FILENO, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { break }
                offset += n
            }
        }
        // Into a file, the kernel would otherwise keep the log dirty for 30 s and then write
        // it back in one burst; under a busy access log (10 MB/s) that burst lands on the
        // database's fsyncs (vote p99 9–39 ms instead of ~6 in make bench). Start writeback
        // now, a little at a time; this does not wait for the disk.
        if stdoutIsFile { _ = clinux_start_writeback(STDOUT_FILENO) }
    }

    private let stdoutIsFile: Bool = {
        var info = stat()
        return fstat(STDOUT_FILENO, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }()
}

/// `2026-11-23T16:04:40.123Z info groundswell: message key=value`
struct BufferedLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?,
             source: String, file: String, function: String, line: UInt) {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        LogSink.appendPrefix(at: SystemClock().nowMillis(), level: level, label: label.utf8, to: &out)
        out.append(contentsOf: message.description.utf8)
        let merged = explicit.map { self.metadata.merging($0, uniquingKeysWith: { $1 }) } ?? self.metadata
        for (key, value) in merged {
            out.append(0x20)
            out.append(contentsOf: key.utf8)
            out.append(0x3D)
            out.append(contentsOf: value.description.utf8)
        }
        out.append(0x0A)
        LogSink.shared.append(out)
    }
}

/// Hands the server's access-log lines to `LogSink` as bytes, under the server logger's label.
final class AccessLogWriter: AccessLogSink {
    private let label: [UInt8]

    init(label: String) { self.label = Array(label.utf8) }

    func appendAccessLine(_ message: UnsafeRawBufferPointer) {
        LogSink.shared.appendAccessLine(message, label: label)
    }
}
