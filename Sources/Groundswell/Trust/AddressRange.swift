import Foundation

/// An address block in CIDR form (`127.0.0.0/8`, `10.1.2.3`, `::1/128`, `fd00::/8`), for
/// operators who exempt their own hosts from per-address limits (`--rate-limit-exempt`).
public struct AddressRange: Sendable, Equatable, CustomStringConvertible {
    /// An IPv4 or IPv6 address as two big-endian words (IPv4 in the low 32 bits of `low`).
    /// Rate limits ask about every write's client: parsing it into an array cost two
    /// allocations a request.
    struct Address: Equatable {
        var high: UInt64
        var low: UInt64
        /// 32 or 128.
        var bits: Int
    }

    let network: Address
    let prefix: Int
    public let description: String

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = AddressRange.address(String(parts[0])) else { return nil }
        if parts.count == 2 {
            guard let prefix = Int(parts[1]), (0...address.bits).contains(prefix) else { return nil }
            self.prefix = prefix
        } else {
            self.prefix = address.bits
        }
        network = address
        description = text
    }

    /// Parses a list such as `127.0.0.0/8,::1`; the error names the first bad entry.
    public static func parseList(_ text: String) -> Result<[AddressRange], ConfigurationError> {
        var ranges: [AddressRange] = []
        for item in text.split(separator: ",") {
            let trimmed = item.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let range = AddressRange(trimmed) else { return .failure(ConfigurationError("'\(trimmed)' is not an address or CIDR block")) }
            ranges.append(range)
        }
        return .success(ranges)
    }

    public func contains(_ address: String) -> Bool {
        guard let parsed = AddressRange.address(address) else { return false }
        return contains(parsed)
    }

    /// Whether the first `prefix` bits agree (addresses of the other family never match).
    func contains(_ address: Address) -> Bool {
        guard address.bits == network.bits else { return false }
        // Bits of the 128-bit (or 32-bit, in `low`) value that the prefix covers.
        let skip = network.bits - prefix  // trailing bits not compared
        let lowMask: UInt64 = skip >= 64 ? 0 : (UInt64.max << UInt64(skip))
        let highMask: UInt64 = network.bits == 32 ? 0 : (skip <= 64 ? UInt64.max : (skip >= 128 ? 0 : UInt64.max << UInt64(skip - 64)))
        return address.high & highMask == network.high & highMask && address.low & lowMask == network.low & lowMask
    }

    /// An IPv4 or IPv6 address (an IPv4-mapped IPv6 address counts as its IPv4 address).
    static func address(_ text: String) -> Address? {
        // The C string is built on the stack: handing `inet_pton` a Swift string allocated a
        // copy per call. No address is 64 bytes long (INET6_ADDRSTRLEN is 46).
        let utf8 = text.utf8
        guard utf8.count < 64 else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer -> Address? in
            var end = 0
            for byte in utf8 {
                guard byte != 0 else { return nil }
                buffer[end] = CChar(bitPattern: byte)
                end += 1
            }
            buffer[end] = 0
            return address(cString: buffer.baseAddress!)
        }
    }

    private static func address(cString: UnsafePointer<CChar>) -> Address? {
        var v4 = in_addr()
        if inet_pton(AF_INET, cString, &v4) == 1 {
            return Address(high: 0, low: UInt64(UInt32(bigEndian: v4.s_addr)), bits: 32)
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, cString, &v6) == 1 else { return nil }
        let (high, low) = withUnsafeBytes(of: &v6) { raw in
            (UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
             UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }
        if high == 0 && low >> 32 == 0xFFFF { return Address(high: 0, low: low & 0xFFFF_FFFF, bits: 32) }
        return Address(high: high, low: low, bits: 128)
    }
}
