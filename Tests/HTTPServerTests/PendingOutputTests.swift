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

    /// Reads what the peer has now.
    private func drain(_ fd: Int32, into received: inout [UInt8]) {
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            received += chunk[0..<n]
        }
    }

    /// A state none of whose bytes left gives way to a newer one; the state being sent, and
    /// bytes queued alone, always leave whole and in order.
    func testUnsentStatesGiveWayToTheNewest() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds), 0)
        defer { close(fds[0]); close(fds[1]) }
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        let state = { (seed: UInt8, size: Int) in (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ Int(seed)) } }
        let a = state(1, 3 << 20), b1 = state(2, 100), b2 = state(3, 2 << 20), c = state(4, 70_000), d = state(5, 300)
        var pending = PendingOutput()
        pending.append(Array("head".utf8))
        pending.append(state: [a])
        guard case .blocked(wrote: true) = pending.write(to: fds[0]) else { return XCTFail("the socket should fill inside a") }
        XCTAssertEqual(pending.dropUnsentStates(), 0, "a has begun: it stays")
        pending.append(state: [b1, [], b2])
        pending.append(Array("mid".utf8))
        pending.append(state: [c])
        XCTAssertEqual(pending.fixedCount, 3)
        let before = pending.count
        XCTAssertEqual(pending.dropUnsentStates(), 2, "b and c never began")
        XCTAssertEqual(pending.count, before - b1.count - b2.count - c.count)
        XCTAssertEqual(pending.fixedCount, 3)
        pending.append(state: [d])
        var received: [UInt8] = []
        while true {
            drain(fds[1], into: &received)
            if case .done = pending.write(to: fds[0]) { break }
        }
        drain(fds[1], into: &received)
        let expected = Array("head".utf8) + a + Array("mid".utf8) + d
        XCTAssertTrue(received == expected, "received \(received.count) bytes, expected head, a, mid, d: \(expected.count)")
        XCTAssertEqual(pending.count, 0)
        XCTAssertEqual(pending.fixedCount, 0)

        // Nothing sent yet: the first state is replaceable too, and a state made only of
        // empty parts queues nothing.
        var idle = PendingOutput()
        idle.append(state: [d])
        XCTAssertEqual(idle.dropUnsentStates(), 1)
        XCTAssertTrue(idle.isEmpty)
        idle.append(state: [[], []])
        XCTAssertTrue(idle.isEmpty)
        XCTAssertEqual(idle.dropUnsentStates(), 0)
    }

    /// Many small chunks leave in few calls (several a `sendmsg`) and in order.
    func testManySmallChunksLeaveInOrder() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds), 0)
        defer { close(fds[0]); close(fds[1]) }
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        var pending = PendingOutput()
        var expected: [UInt8] = []
        for i in 0..<5_000 {
            let piece = Array("message \(i);".utf8)
            expected += piece
            if i % 3 == 0 { pending.append(state: [piece, Array("+".utf8)]); expected += Array("+".utf8) } else { pending.append(piece) }
        }
        var received: [UInt8] = []
        while true {
            if case .done = pending.write(to: fds[0]) { break }
            drain(fds[1], into: &received)
        }
        drain(fds[1], into: &received)
        XCTAssertTrue(received == expected, "received \(received.count) bytes of \(expected.count)")
    }
}
