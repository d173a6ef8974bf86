import Foundation

/// An IPv4 or IPv6 address as bytes, with its class: whether a server on the public internet
/// may be reached there. Plain value; no I/O.
public struct IPAddress: Sendable, Equatable {
    /// 4 bytes for IPv4, 16 for IPv6.
    public let bytes: [UInt8]

    public init?(_ text: String) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
        } else {
            return nil
        }
    }

    /// An address literal as resolvers read it, which is more than `init(_:)` accepts: an IPv6
    /// zone (`fe80::1%eth0`) and the legacy IPv4 forms `inet_aton` takes (`127.1`,
    /// `0x7f000001`, `2130706433`), so none of them slips past the policy as a "name".
    public init?(literal text: String) {
        let unzoned = text.split(separator: "%", maxSplits: 1).first.map(String.init) ?? text
        if let plain = IPAddress(unzoned) {
            self = plain
            return
        }
        guard !text.isEmpty, text.lowercased().allSatisfy({ $0.isHexDigit || $0 == "." || $0 == "x" }) else { return nil }
        var v4 = in_addr()
        guard inet_aton(text, &v4) != 0 else { return nil }
        bytes = withUnsafeBytes(of: &v4) { Array($0) }
    }

    init?(_ sockaddr: UnsafeMutablePointer<sockaddr>?) {
        guard let sockaddr else { return nil }
        switch Int32(sockaddr.pointee.sa_family) {
        case AF_INET:
            bytes = sockaddr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                var address = pointer.pointee.sin_addr
                return withUnsafeBytes(of: &address) { Array($0) }
            }
        case AF_INET6:
            bytes = sockaddr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                var address = pointer.pointee.sin6_addr
                return withUnsafeBytes(of: &address) { Array($0) }
            }
        default:
            return nil
        }
    }

    /// The address as text (IPv6 in brackets, as URLs and curl's resolve list want it).
    public var text: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        _ = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
        let plain = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return bytes.count == 4 ? plain : "[\(plain)]"
    }

    /// The IPv4 address inside an IPv4-mapped or IPv4-compatible IPv6 address, or self.
    private var unmapped: [UInt8] {
        guard bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }) else { return bytes }
        if bytes[10] == 0xff && bytes[11] == 0xff { return Array(bytes[12...]) }
        if bytes[10] == 0 && bytes[11] == 0 && !(bytes[12] == 0 && bytes[13] == 0 && bytes[14] == 0 && bytes[15] <= 1) {
            return Array(bytes[12...])
        }
        return bytes
    }

    /// Why the address is not public ("loopback", "private", …), or "public".
    public var kind: String {
        let b = unmapped
        if b.count == 4 {
            switch (b[0], b[1]) {
            case (0, _): return "unspecified"
            case (127, _): return "loopback"
            case (10, _), (192, 168): return "private"
            case (172, 16...31): return "private"
            case (169, 254): return "link-local"
            case (100, 64...127): return "shared (carrier-grade NAT)"
            case (192, 0) where b[2] == 0: return "reserved (IETF protocol assignments)"
            case (198, 18...19): return "reserved (benchmarking)"
            case (224...239, _): return "multicast"
            case (240...255, _): return "reserved"
            default: return "public"
            }
        }
        if b.allSatisfy({ $0 == 0 }) { return "unspecified" }
        if b[0..<15].allSatisfy({ $0 == 0 }) && b[15] == 1 { return "loopback" }
        if b[0] & 0xfe == 0xfc { return "private (unique local)" }
        if b[0] == 0xfe && b[1] & 0xc0 == 0x80 { return "link-local" }
        if b[0] == 0xfe && b[1] & 0xc0 == 0xc0 { return "private (site-local)" }
        if b[0] == 0xff { return "multicast" }
        // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) embed IPv4 addresses: judge those.
        if b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b {
            return IPAddress(bytes: Array(b[12...])).kind
        }
        if b[0] == 0x20 && b[1] == 0x02 { return IPAddress(bytes: Array(b[2...5])).kind }
        if b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8 { return "documentation" }
        return "public"
    }

    public var isPublic: Bool { kind == "public" }

    init(bytes: [UInt8]) { self.bytes = bytes }
}
