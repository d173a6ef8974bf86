import Crypto

/// HMAC-SHA-256 with the key schedule done once: the hash states after the inner and
/// outer key pads are kept and copied per message. `HMAC(key:)` redoes that work on
/// every call, which made hashing a client address a sixth of a vote's event-loop time.
/// `@unchecked Sendable`: the stored states are never mutated, only copied (copy-on-write).
struct KeyedHash: @unchecked Sendable {
    private let inner: SHA256
    private let outer: SHA256

    init(key: [UInt8]) {
        var block = key.count > 64 ? Array(SHA256.hash(data: key)) : key
        block += [UInt8](repeating: 0, count: 64 - block.count)
        var inner = SHA256()
        inner.update(data: block.map { $0 ^ 0x36 })
        var outer = SHA256()
        outer.update(data: block.map { $0 ^ 0x5c })
        self.inner = inner
        self.outer = outer
    }

    /// HMAC-SHA-256 of `message` (equal to `HMAC<SHA256>.authenticationCode`).
    func code(_ message: UnsafeRawBufferPointer) -> SHA256.Digest {
        var inner = self.inner
        inner.update(bufferPointer: message)
        var outer = self.outer
        inner.finalize().withUnsafeBytes { outer.update(bufferPointer: $0) }
        return outer.finalize()
    }

    func code(_ message: [UInt8]) -> SHA256.Digest {
        message.withUnsafeBytes { code($0) }
    }
}
