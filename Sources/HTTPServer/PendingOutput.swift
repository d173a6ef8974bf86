#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// Response bytes a connection's socket has not taken yet, kept as the arrays they came in: a
/// stream message shared by many connections (a round's 13 MB leaderboard) waits here by
/// reference, not as a copy per connection. Owned by the connection's event loop.
struct PendingOutput {
    private var chunks: [[UInt8]] = []
    /// How much of `chunks[0]` was already sent.
    private var offset = 0
    /// Bytes still to send.
    private(set) var count = 0

    var isEmpty: Bool { chunks.isEmpty }

    /// Queues `bytes` after what waits.
    mutating func append(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        chunks.append(bytes)
        count += bytes.count
    }

    enum Progress {
        /// Everything was sent.
        case done
        /// The socket is full; `wrote` says whether it took anything first.
        case blocked(wrote: Bool)
        /// The connection failed.
        case failed
    }

    /// Sends as much as the socket takes, in order.
    mutating func write(to fd: Int32) -> Progress {
        var wrote = false
        while let first = chunks.first {
            let sent = first.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if sent > 0 {
                wrote = true
                offset += sent
                count -= sent
                if offset == first.count {
                    chunks.removeFirst()
                    offset = 0
                }
            } else if sent < 0 && errno == EINTR {
                continue
            } else if sent < 0 && errno == EAGAIN {
                return .blocked(wrote: wrote)
            } else {
                return .failed
            }
        }
        return .done
    }

    mutating func removeAll() {
        chunks = []
        offset = 0
        count = 0
    }
}
