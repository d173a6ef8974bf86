import Foundation

/// An address block in CIDR form (`127.0.0.0/8`, `10.1.2.3`, `::1/128`, `fd00::/8`), for
/// operators who exempt their own hosts from per-address limits (`--rate-limit-exempt`).
public struct AddressRange: Sendable, Equatable, CustomStringConvertible {
    let network: [UInt8]
    let prefix: Int
    public let description: String

    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let bytes = AddressRange.bytes(String(parts[0])) else { return nil }
        let bits = bytes.count * 8
        if parts.count == 2 {
            guard let prefix = Int(parts[1]), (0...bits).contains(prefix) else { return nil }
            self.prefix = prefix
        } else {
            self.prefix = bits
        }
        network = bytes
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
        guard let bytes = AddressRange.bytes(address), bytes.count == network.count else { return false }
        var remaining = prefix
        for i in 0..<bytes.count where remaining > 0 {
            let take = min(8, remaining)
            let mask: UInt8 = take == 8 ? 0xFF : ~(0xFF >> UInt8(take))
            if bytes[i] & mask != network[i] & mask { return false }
            remaining -= take
        }
        return true
    }

    /// 4 or 16 bytes of an IPv4 or IPv6 address (an IPv4-mapped IPv6 address gives its 4).
    static func bytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            let all = withUnsafeBytes(of: &v6) { Array($0) }
            if all[0..<10].allSatisfy({ $0 == 0 }) && all[10] == 0xFF && all[11] == 0xFF { return Array(all[12...]) }
            return all
        }
        return nil
    }
}
