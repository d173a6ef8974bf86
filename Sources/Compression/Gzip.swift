import CZlib

/// gzip (RFC 1952) through zlib, for responses to clients that send `Accept-Encoding: gzip`.
/// One call compresses a whole body: pages and assets are small and already in memory.
public enum Gzip {
    /// `bytes` gzip-compressed at `level` (1 fastest … 9 smallest), or nil if zlib fails.
    /// A small `windowBits` and `memoryLevel` suit small bodies (a page of a few KiB): zlib
    /// then sets up far less state per call, for nearly the same size.
    public static func compress(_ bytes: [UInt8], level: Int32 = 6, windowBits: Int32 = 15, memoryLevel: Int32 = 8) -> [UInt8]? {
        var stream = z_stream()
        guard czlib_deflate_init_gzip(&stream, level, windowBits, memoryLevel) == Z_OK else { return nil }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))) + 32)
        let status: Int32 = bytes.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.avail_in = UInt32(input.count)
                stream.next_out = out.baseAddress
                stream.avail_out = UInt32(out.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { return nil }
        // A copy of exactly the compressed bytes: the buffer was sized for the worst case, and
        // callers keep the result (caches), so its spare capacity would stay allocated.
        return Array(output[0..<Int(stream.total_out)])
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
