#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// Response bytes a connection's socket has not taken yet, kept as the arrays they came in: a
/// stream message shared by many connections (a round's 13 MB leaderboard) waits here by
/// reference, not as a copy per connection. Owned by the connection's event loop.
///
/// A stream's *state* messages (each one whole, making the ones before it moot) can be dropped
/// while none of their bytes has left: a client that reads slower than states arrive gets the
/// one it is reading, then the newest, instead of a backlog that only grows.
struct PendingOutput {
    private struct Chunk {
        let bytes: [UInt8]
        /// The first chunk of a unit: bytes queued alone, or a message's first part.
        let starts: Bool
        /// Part of a state message.
        let state: Bool
    }

    private var chunks: [Chunk] = []
    /// How much of `chunks[0]` was already sent.
    private var offset = 0
    /// Bytes still to send.
    private(set) var count = 0
    /// Bytes still to send that no newer state can replace (everything but state messages).
    private(set) var fixedCount = 0

    var isEmpty: Bool { chunks.isEmpty }

    /// Queues `bytes` after what waits.
    mutating func append(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        chunks.append(Chunk(bytes: bytes, starts: true, state: false))
        count += bytes.count
        fixedCount += bytes.count
    }

    /// Queues a state message, its parts one after another.
    mutating func append(state parts: [[UInt8]]) {
        var first = true
        for part in parts where !part.isEmpty {
            chunks.append(Chunk(bytes: part, starts: first, state: true))
            first = false
            count += part.count
        }
    }

    /// Drops every state message none of whose bytes has been sent; returns how many.
    mutating func dropUnsentStates() -> Int {
        guard chunks.contains(where: \.state) else { return 0 }
        // The unit chunks[0] belongs to has begun unless it is its first chunk, untouched.
        let begun = chunks.first.map { !$0.starts || offset > 0 } ?? false
        var kept: [Chunk] = []
        var dropped = 0
        var dropping = false
        for (index, chunk) in chunks.enumerated() {
            if chunk.starts {
                dropping = chunk.state && !(index == 0 && begun)
                if dropping { dropped += 1 }
            }
            if dropping {
                count -= chunk.bytes.count
            } else {
                kept.append(chunk)
            }
        }
        if dropped > 0 { chunks = kept }
        return dropped
    }

    enum Progress {
        /// Everything was sent.
        case done
        /// The socket is full; `wrote` says whether it took anything first.
        case blocked(wrote: Bool)
        /// The connection failed.
        case failed
    }

    /// At most this many chunks go to the kernel in one `sendmsg`.
    static let gather = 16

    /// Sends as much as the socket takes, in order, several chunks a call.
    mutating func write(to fd: Int32) -> Progress {
        var wrote = false
        var vectors: [iovec] = []
        while !chunks.isEmpty {
            let sent: Int
            if chunks.count == 1 {
                sent = chunks[0].bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            } else {
                vectors.removeAll(keepingCapacity: true)
                sent = gathered(0, min(chunks.count, PendingOutput.gather), into: &vectors) { vectors in
                    var message = msghdr()
                    return vectors.withUnsafeMutableBufferPointer { buffer -> Int in
                        message.msg_iov = buffer.baseAddress
                        message.msg_iovlen = buffer.count
                        return sendmsg(fd, &message, Int32(MSG_NOSIGNAL))
                    }
                }
            }
            if sent > 0 {
                wrote = true
                consume(sent)
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

    /// Removes `sent` bytes from the front.
    private mutating func consume(_ sent: Int) {
        var left = sent
        while left > 0, let first = chunks.first {
            let take = min(left, first.bytes.count - offset)
            left -= take
            offset += take
            count -= take
            if !first.state { fixedCount -= take }
            if offset == first.bytes.count {
                chunks.removeFirst()
                offset = 0
            }
        }
    }

    /// Calls `body` with an `iovec` for chunks `index..<end` (the first from `offset`), valid
    /// only inside it: each chunk's storage stays pinned by a `withUnsafeBytes` around the next.
    private func gathered(_ index: Int, _ end: Int, into vectors: inout [iovec], _ body: (inout [iovec]) -> Int) -> Int {
        guard index < end else { return body(&vectors) }
        let skip = index == 0 ? offset : 0
        return chunks[index].bytes.withUnsafeBytes { raw in
            vectors.append(iovec(iov_base: UnsafeMutableRawPointer(mutating: raw.baseAddress! + skip), iov_len: raw.count - skip))
            return gathered(index + 1, end, into: &vectors, body)
        }
    }

    mutating func removeAll() {
        chunks = []
        offset = 0
        count = 0
        fixedCount = 0
    }
}
