import CDeflate
import CZlib
import Synchronization

/// gzip (RFC 1952), for responses to clients that send `Accept-Encoding: gzip`. One call
/// compresses a whole body with libdeflate (pages and assets are small and already in memory);
/// reading gzip back goes through zlib, a second implementation, so tests check one with the other.
public enum Gzip {
    /// Compressors kept between calls, by level: one is ~200 KB at level 1 and ~650 KB above,
    /// so making one per page would map and fault in fresh memory for every response.
    private static let kept = Mutex<[Int32: [Compressor]]>([:])
    private static let keptPerLevel = 4

    /// `@unchecked Sendable`: a compressor is used by one call at a time (taken out of `kept`).
    private struct Compressor: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    /// `bytes` gzip-compressed at `level` (1 fastest … 12 smallest), or nil if that fails.
    public static func compress(_ bytes: [UInt8], level: Int32 = 6) -> [UInt8]? {
        guard let compressor = kept.withLock({ $0[level]?.popLast()?.pointer }) ?? libdeflate_alloc_compressor(level) else { return nil }
        defer {
            let keep = kept.withLock { kept -> Bool in
                guard kept[level, default: []].count < keptPerLevel else { return false }
                kept[level, default: []].append(Compressor(pointer: compressor))
                return true
            }
            if !keep { libdeflate_free_compressor(compressor) }
        }
        let bound = libdeflate_gzip_compress_bound(compressor, bytes.count)
        var output = [UInt8](repeating: 0, count: bound)
        let size = bytes.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { out in
                libdeflate_gzip_compress(compressor, input.baseAddress, input.count, out.baseAddress, out.count)
            }
        }
        guard size > 0 else { return nil }
        // A copy of exactly the compressed bytes: the buffer was sized for the worst case, and
        // callers keep the result (caches), so its spare capacity would stay allocated.
        return Array(output[0..<size])
    }

    /// The bytes a gzip stream holds (for tests and tools), or nil if it is not valid gzip.
    public static func decompress(_ bytes: [UInt8], limit: Int = 64 << 20) -> [UInt8]? {
        var stream = z_stream()
        guard czlib_inflate_init_gzip(&stream) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        return bytes.withUnsafeBufferPointer { input -> [UInt8]? in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = UInt32(input.count)
            while true {
                let (status, produced) = chunk.withUnsafeMutableBufferPointer { out -> (Int32, Int) in
                    stream.next_out = out.baseAddress
                    stream.avail_out = UInt32(out.count)
                    let status = inflate(&stream, Z_NO_FLUSH)
                    return (status, out.count - Int(stream.avail_out))
                }
                output += chunk[0..<produced]
                if output.count > limit { return nil }
                if status == Z_STREAM_END { return output }
                guard status == Z_OK else { return nil }
            }
        }
    }
}
