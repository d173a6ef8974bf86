import JSON
import CLinux
import Foundation
import Groundswell
import HTTPServer
import Logging
import Synchronization

/// Log lines go to stdout through an in-memory buffer that only the log thread writes out:
/// every 50 ms, or as soon as 256 KiB are waiting. An event loop or the database writer only
/// ever appends (a short copy under a mutex); none of them ever calls `write()`, so a slow
/// disk can never hold up a request. The buffer is bounded (8 MiB): when the disk cannot keep
/// up, lines are dropped, counted (`groundswell_log_dropped_lines_total` in /metrics) and
/// reported in the log once writing catches up — requests never wait for the log. Lines that
/// cannot be written at all (a full disk, a closed pipe) are dropped and counted the same way.
final class LogSink: Sendable {
    static let shared = LogSink()
    private struct State {
        var buffer: [UInt8] = []
        /// Lines refused because the buffer was full, and lines whose write failed.
        var dropped = 0
        var failed = 0
        /// How many of each the log has already been told about.
        var droppedReported = 0
        var failedReported = 0
        var wakeRequested = false
    }
    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    private let flushThreshold = 256 * 1024
    private let capacity = 8 << 20
    /// The buffer not in use by appenders, kept with its capacity (no allocation per flush); its
    /// lock also serializes writers of stdout (the log thread, `flush()` at start-up and shutdown).
    private let spare = Mutex<[UInt8]>([])

    private init() {
        state.withLock { $0.buffer.reserveCapacity(flushThreshold) }
        spare.withLock { $0.reserveCapacity(flushThreshold) }
        let thread = Thread { [unowned self] in
            clinux_name_thread("gs-log")
            while true {
                _ = self.wake.wait(timeout: .now() + .milliseconds(50))
                self.flush()
            }
        }
        thread.start()
    }

    /// Lines dropped: refused because the buffer was full, or lost to a failed write.
    var droppedLines: Int { state.withLock { $0.dropped + $0.failed } }

    func append(_ line: [UInt8]) {
        line.withUnsafeBytes { bytes in enqueue { $0.append(contentsOf: bytes) } }
    }

    /// The access log's fast path: the line is copied into the buffer with the same prefix a
    /// `BufferedLogHandler` would write (`<timestamp> info <label>: `), without building a
    /// `String` or a log event per request.
    func appendAccessLine(_ message: UnsafeRawBufferPointer, label: [UInt8]) {
        let now = SystemClock().nowMillis()
        enqueue { buffer in
            LogSink.appendPrefix(at: now, level: .info, label: label, to: &buffer)
            buffer.append(contentsOf: message)
            buffer.append(0x0A)
        }
    }

    private func enqueue(_ write: (inout [UInt8]) -> Void) {
        let capacity = self.capacity, threshold = flushThreshold
        let signal = state.withLock { state -> Bool in
            guard state.buffer.count < capacity else {
                state.dropped += 1
                return false
            }
            write(&state.buffer)
            guard state.buffer.count >= threshold, !state.wakeRequested else { return false }
            state.wakeRequested = true
            return true
        }
        if signal { wake.signal() }
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

    /// Writes out what is waiting, in one block (the log thread; also start-up and shutdown).
    func flush() {
        spare.withLock { spare in
            // Double buffering: the appenders get the emptied spare, this thread writes the full one.
            var pending: [UInt8] = []
            swap(&pending, &spare)
            let (refused, lost) = state.withLock { state -> (Int, Int) in
                state.wakeRequested = false
                swap(&pending, &state.buffer)
                defer { (state.droppedReported, state.failedReported) = (state.dropped, state.failed) }
                return (state.dropped - state.droppedReported, state.failed - state.failedReported)
            }
            defer {
                pending.removeAll(keepingCapacity: true)
                swap(&spare, &pending)
            }
            if refused > 0 || lost > 0 {
                // Its own write, told once: a notice that cannot be written either is not counted
                // as a lost line, or a failing disk would add one every flush for ever.
                var notice: [UInt8] = []
                LogSink.appendPrefix(at: SystemClock().nowMillis(), level: .warning, label: "groundswell".utf8, to: &notice)
                notice.append(contentsOf: "the log dropped \(refused + lost) lines: \(refused) when the disk could not keep up, \(lost) that could not be written\n".utf8)
                _ = LogSink.writeOut(notice)
            }
            guard !pending.isEmpty else { return }
            let unwritten = LogSink.writeOut(pending)
            if unwritten > 0 { state.withLock { $0.failed += unwritten } }
            // Into a file, the kernel would otherwise keep the log dirty for 30 s and then write
            // it back in one burst; under a busy access log (10 MB/s) that burst lands on the
            // database's fsyncs (vote p99 9–39 ms instead of ~6 in make bench). Start writeback
            // now, a little at a time; this does not wait for the disk.
            if stdoutIsFile { _ = clinux_start_writeback(STDOUT_FILENO) }
        }
    }

    /// Writes `bytes` to stdout; returns how many lines could not be written (0 when all were).
    private static func writeOut(_ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(STDOUT_FILENO, raw.baseAddress! + offset, raw.count - offset)
                if n > 0 {
                    offset += n
                } else if n < 0 && errno == EINTR {
                    continue
                } else {
                    // A line cut short counts as lost: its newline is in the rest.
                    return raw[offset...].reduce(0) { $1 == 0x0A ? $0 + 1 : $0 }
                }
            }
            return 0
        }
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
