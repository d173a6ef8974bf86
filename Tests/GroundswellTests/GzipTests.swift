import Compression
import Foundation
import XCTest

/// gzip written by libdeflate must be read back by zlib (a second implementation) at every
/// level and size, also when several threads compress at once (compressors are pooled).
final class GzipTests: XCTestCase {
    func testEveryLevelAndSizeReadsBackWithZlib() throws {
        var generator = SystemRandomNumberGenerator()
        let text = Array(String(repeating: "<li class=\"idea\">텀블러 대여 서비스 — garden bench</li>\n", count: 400).utf8)
        let noise = (0..<70_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for body in [[], [7], Array(text.prefix(4096)), text, noise, Array(repeating: 0, count: 1 << 20)] {
            for level: Int32 in [1, 6, 12] {
                let packed = try XCTUnwrap(Gzip.compress(body, level: level), "\(body.count) bytes, level \(level)")
                XCTAssertEqual(Array(packed.prefix(2)), [0x1f, 0x8b], "a gzip member")
                XCTAssertEqual(Gzip.decompress(packed), body, "\(body.count) bytes, level \(level)")
                if body == text { XCTAssertLessThan(packed.count, body.count / 10) }
            }
        }
        XCTAssertNil(Gzip.compress([1, 2, 3], level: 99), "no such level")
    }

    func testConcurrentCallsShareThePoolSafely() {
        let bodies = (0..<8).map { n in Array("page \(n) ".utf8) + Array(repeating: UInt8(n), count: 3000 + n) }
        DispatchQueue.concurrentPerform(iterations: 64) { i in
            let body = bodies[i % bodies.count]
            XCTAssertEqual(Gzip.decompress(Gzip.compress(body, level: 1 + Int32(i % 2)) ?? []), body)
        }
    }
}
