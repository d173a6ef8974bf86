import Crypto
@testable import Groundswell
import XCTest

/// The precomputed HMAC must agree with swift-crypto's for every key length, including
/// keys longer than a block (hashed first) and the empty message.
final class KeyedHashTests: XCTestCase {
    func testMatchesHMACForShortExactAndLongKeys() {
        for keyLength in [0, 1, 32, 63, 64, 65, 200] {
            let key = (0..<keyLength).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            let hash = KeyedHash(key: key)
            for message in ["", "127.0.0.1", "2001:db8::1", String(repeating: "x", count: 300)] {
                let expected = Array(HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: SymmetricKey(data: key)))
                XCTAssertEqual(Array(hash.code(Array(message.utf8))), expected, "key \(keyLength) bytes, message \(message.count) bytes")
            }
        }
    }

    func testAddressHashIsStableAndKeyed() {
        let a = ClientAddress(trustProxy: false, key: Array(repeating: 1, count: 32))
        let b = ClientAddress(trustProxy: false, key: Array(repeating: 2, count: 32))
        XCTAssertEqual(a.hash("10.0.0.1"), a.hash("10.0.0.1"))
        XCTAssertEqual(a.hash("10.0.0.1").count, 32)
        XCTAssertNotEqual(a.hash("10.0.0.1"), a.hash("10.0.0.2"))
        XCTAssertNotEqual(a.hash("10.0.0.1"), b.hash("10.0.0.1"))
    }
}
