import Foundation
import XCTest
@testable import Groundswell

/// `AddressRange` compares packed words instead of byte arrays; these check it against a
/// byte-by-byte reading of the same prefixes.
final class AddressRangeTests: XCTestCase {
    func testEdgesOfBothFamilies() {
        XCTAssertTrue(AddressRange("0.0.0.0/0")!.contains("255.255.255.255"))
        XCTAssertTrue(AddressRange("10.1.2.3")!.contains("10.1.2.3"))
        XCTAssertFalse(AddressRange("10.1.2.3")!.contains("10.1.2.2"))
        XCTAssertTrue(AddressRange("10.1.2.2/31")!.contains("10.1.2.3"))
        XCTAssertFalse(AddressRange("10.1.2.2/31")!.contains("10.1.2.4"))
        XCTAssertTrue(AddressRange("::/0")!.contains("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"))
        XCTAssertFalse(AddressRange("::/0")!.contains("10.0.0.1"), "families never match")
        XCTAssertFalse(AddressRange("0.0.0.0/0")!.contains("2001:db8::1"))
        XCTAssertTrue(AddressRange("2001:db8::/64")!.contains("2001:db8::ffff:1"))
        XCTAssertFalse(AddressRange("2001:db8::/64")!.contains("2001:db8:0:1::1"))
        XCTAssertTrue(AddressRange("2001:db8::/65")!.contains("2001:db8::7fff:0:0:1"))
        XCTAssertFalse(AddressRange("2001:db8::/65")!.contains("2001:db8::8000:0:0:1"))
        XCTAssertTrue(AddressRange("2001:db8::5/128")!.contains("2001:db8::5"))
        XCTAssertFalse(AddressRange("2001:db8::5/128")!.contains("2001:db8::4"))
        // An IPv4-mapped IPv6 address is its IPv4 address, on either side.
        XCTAssertTrue(AddressRange("127.0.0.0/8")!.contains("::ffff:127.0.0.1"))
        XCTAssertTrue(AddressRange("::ffff:10.0.0.0/8")!.contains("10.9.9.9"))
        // Not addresses.
        XCTAssertFalse(AddressRange("127.0.0.0/8")!.contains(""))
        XCTAssertFalse(AddressRange("127.0.0.0/8")!.contains("127.0.0.1\u{0}"))
        XCTAssertFalse(AddressRange("127.0.0.0/8")!.contains("fe80::1%eth0"))
        XCTAssertFalse(AddressRange("127.0.0.0/8")!.contains(String(repeating: "1", count: 200)))
        XCTAssertNil(AddressRange("::1/129"))
        XCTAssertNil(AddressRange("::1/-1"))
        XCTAssertNil(AddressRange("example.com"))
    }

    func testRandomPrefixesAgreeWithBytes() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<3_000 {
            let v6 = Bool.random(using: &generator)
            let width = v6 ? 16 : 4
            let network = (0..<width).map { _ in UInt8.random(in: 0...255, using: &generator) }
            var other = network
            // Flip one random bit, so the answer depends on where the prefix ends.
            let bit = Int.random(in: 0..<(width * 8), using: &generator)
            other[bit / 8] ^= 0x80 >> UInt8(bit % 8)
            let prefix = Int.random(in: 0...(width * 8), using: &generator)
            let range = AddressRange("\(Self.text(network))/\(prefix)")
            XCTAssertNotNil(range)
            let expected = bit >= prefix
            XCTAssertEqual(range?.contains(Self.text(other)), expected, "\(Self.text(network))/\(prefix) vs \(Self.text(other))")
            XCTAssertEqual(range?.contains(Self.text(network)), true)
        }
    }

    private static func text(_ bytes: [UInt8]) -> String {
        var out = [CChar](repeating: 0, count: 64)
        bytes.withUnsafeBytes { raw in
            _ = inet_ntop(bytes.count == 4 ? AF_INET : AF_INET6, raw.baseAddress, &out, 64)
        }
        return String(cString: out)
    }
}
