import Glibc
import XCTest
@testable import HTTPServer

/// The bytes a socket did not take wait as the arrays they came in and leave in order.
final class PendingOutputTests: XCTestCase {
    func testChunksLeaveInOrderAcrossFullSockets() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds), 0)
        defer { close(fds[0]); close(fds[1]) }
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
        let large = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }
        var pending = PendingOutput()
        XCTAssertTrue(pending.isEmpty)
        pending.append(Array("ad".utf8))
        pending.append(large)                                  // shared, waits by reference
        pending.append([])                                     // nothing to queue
        pending.append(Array("tail".utf8))
        XCTAssertEqual(pending.count, 2 + large.count + 4)
        var received: [UInt8] = []
        var rounds = 0
        loop: while true {
            rounds += 1
            switch pending.write(to: fds[0]) {
            case .done: break loop
            case .failed: XCTFail("the socket failed"); return
            case .blocked: break
            }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = chunk.withUnsafeMutableBytes { recv(fds[1], $0.baseAddress, $0.count, 0) }
                if n <= 0 { break }
                received += chunk[0..<n]
            }
        }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fds[1], $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            received += chunk[0..<n]
        }
        XCTAssertGreaterThan(rounds, 1, "the socket filled at least once")
        XCTAssertTrue(pending.isEmpty)
        XCTAssertEqual(pending.count, 0)
        XCTAssertEqual(received, Array("ad".utf8) + large + Array("tail".utf8))
    }
}
