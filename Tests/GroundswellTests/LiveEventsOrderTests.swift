import Foundation
import Synchronization
import XCTest
@testable import Groundswell
@testable import HTTPServer

/// The order of a stream's first state and the commits around it, on `LiveEvents` alone: a
/// commit just after the first read must still reach the stream, and a client reconnecting
/// with an id from before every stream of its topic closed must be sent the state again.
final class LiveEventsOrderTests: XCTestCase {
    /// A value shared with the events thread.
    final class Shared<Value: Sendable>: Sendable {
        let value: Mutex<Value>
        init(_ value: Value) { self.value = Mutex(value) }
        func withLock<T: Sendable>(_ body: (inout sending Value) -> sending T) -> T { value.withLock(body) }
    }

    /// The votes a fake topic shows; what `readState` renders.
    let votes = Shared(0)

    func makeEvents() -> LiveEvents {
        LiveEvents(maxStreamsPerClient: 4) { [votes] _, _ in
            LiveEvents.Snapshot(shared: LiveEvents.Message(body: Array("{\"votes\":\(votes.withLock { $0 })}".utf8), final: false))
        }
    }

    /// What a stream sent, collected as a connection would.
    typealias Received = Shared<String>

    func collect(_ response: Response?) throws -> (ResponseStream, Received) {
        let stream = try XCTUnwrap(response?.stream)
        let received = Received("")
        let waiting = stream.attach(sink: { payload in
            let bytes: [UInt8]
            switch payload {
            case .bytes(let one), .keepAlive(let one): bytes = one
            case .state(let parts): bytes = Array(parts.joined())
            }
            received.withLock { $0 += String(decoding: bytes, as: UTF8.self) }
        },
                                    closer: {})
        received.withLock { $0 = String(decoding: waiting, as: UTF8.self) + $0 }
        return (stream, received)
    }

    /// Whether `received` ends with `text` (or, with `suffix: false`, contains it) within `seconds`.
    func waitFor(_ text: String, in received: Received, seconds: Double = 3, suffix: Bool = true) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if received.withLock({ suffix ? $0.hasSuffix(text) : $0.contains(text) }) { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return false
    }

    /// The id of the first event a stream received.
    func firstID(_ received: Received) -> String? {
        received.withLock { text in text.split(separator: "\n").first { $0.hasPrefix("id: ") }.map { String($0.dropFirst(4)) } }
    }

    func testACommitJustAfterTheFirstReadStillReachesTheStream() throws {
        let reads = Shared(0)
        let live = LiveEvents(maxStreamsPerClient: 4) { [votes] _, _ in
            let count = votes.withLock { $0 }
            if reads.withLock({ $0 += 1; return $0 }) == 1 {
                votes.withLock { $0 = 1 }   // a vote commits right after the first read…
            }
            return LiveEvents.Snapshot(shared: LiveEvents.Message(body: Array("{\"votes\":\(count)}".utf8), final: false))
        }
        defer { live.stop() }
        let (_, received) = try collect(try live.subscribe(.round(7), userID: 3, client: "a", lastEventID: nil) { true })
        XCTAssertTrue(waitFor("data: {\"votes\":0}\n\n", in: received), received.withLock { $0 })
        live.changed(.round(7))             // …and marks the topic as its commit ends
        XCTAssertTrue(waitFor("data: {\"votes\":1}\n\n", in: received), received.withLock { $0 })
    }

    func testAReconnectAfterEveryStreamClosedIsSentTheStateAgain() throws {
        let live = makeEvents()
        defer { live.stop() }
        let (stream, received) = try collect(try live.subscribe(.idea(5), userID: nil, client: "a", lastEventID: nil) { true })
        XCTAssertTrue(waitFor("data: {\"votes\":0}\n\n", in: received))
        let first = try XCTUnwrap(firstID(received))
        stream.clientClosed()
        XCTAssertEqual(live.streamCount, 0)
        votes.withLock { $0 = 4 }         // votes while nobody watches mark nothing
        live.changed(.idea(5))
        let (_, again) = try collect(try live.subscribe(.idea(5), userID: nil, client: "a", lastEventID: first) { true })
        XCTAssertTrue(waitFor("data: {\"votes\":4}\n\n", in: again), again.withLock { $0 })
        XCTAssertFalse(again.withLock { $0.contains("id: \(first)\n") })
    }

    func testAReconnectAfterARestartIsSentTheState() throws {
        let before = makeEvents()
        let (_, received) = try collect(try before.subscribe(.idea(5), userID: nil, client: "a", lastEventID: nil) { true })
        XCTAssertTrue(waitFor("data: {\"votes\":0}\n\n", in: received))
        before.stop()
        let oldID = try XCTUnwrap(firstID(received))
        let after = makeEvents()
        defer { after.stop() }
        let (_, again) = try collect(try after.subscribe(.idea(5), userID: nil, client: "a", lastEventID: oldID) { true })
        XCTAssertTrue(waitFor("data: {\"votes\":0}\n\n", in: again), again.withLock { $0 })
    }

    /// A stream that reconnects with the newest id is sent nothing until the state changes, and
    /// streams opening cost their topic one read, not one each, without resending the state to
    /// the streams already open.
    func testOpeningStreamsShareOneReadAndResendNothing() throws {
        let reads = Shared(0)
        let gate = DispatchSemaphore(value: 0)
        let live = LiveEvents(maxStreamsPerClient: 32) { [votes] _, _ in
            if reads.withLock({ $0 += 1; return $0 }) == 1 { gate.wait() }   // the first read waits
            return LiveEvents.Snapshot(shared: LiveEvents.Message(body: Array("{\"votes\":\(votes.withLock { $0 })}".utf8), final: false))
        }
        defer { live.stop() }
        let (_, first) = try collect(try live.subscribe(.round(2), userID: nil, client: "first", lastEventID: nil) { true })
        Thread.sleep(forTimeInterval: 0.1)                 // the thread is in the first read
        let crowd = try (0..<10).map { n in try collect(try live.subscribe(.round(2), userID: nil, client: "c\(n)", lastEventID: nil) { true }).1 }
        gate.signal()
        XCTAssertTrue(waitFor("data: {\"votes\":0}\n\n", in: first))
        for received in crowd { XCTAssertTrue(waitFor("data: {\"votes\":0}\n\n", in: received), received.withLock { $0 }) }
        XCTAssertEqual(reads.withLock { $0 }, 2, "one read for the first stream, one for the ten that opened during it")
        let id = try XCTUnwrap(firstID(first))
        XCTAssertEqual(first.withLock { $0.components(separatedBy: "data: ").count - 1 }, 1, "the stream open before them got nothing again")
        let (_, current) = try collect(try live.subscribe(.round(2), userID: nil, client: "again", lastEventID: id) { true })
        Thread.sleep(forTimeInterval: 0.6)
        XCTAssertFalse(current.withLock { $0.contains("data: ") }, "it has the newest state")
        votes.withLock { $0 = 2 }
        live.changed(.round(2))
        XCTAssertTrue(waitFor("data: {\"votes\":2}\n\n", in: current))
        XCTAssertTrue(waitFor("data: {\"votes\":2}\n\n", in: first))
    }

    func testAnUnknownTopicLeavesNoStreamBehind() throws {
        let live = makeEvents()
        defer { live.stop() }
        XCTAssertNil(try live.subscribe(.idea(9), userID: nil, client: "a", lastEventID: nil) { false })
        XCTAssertEqual(live.streamCount, 0)
        for _ in 0..<8 { XCTAssertNil(try live.subscribe(.idea(9), userID: nil, client: "a", lastEventID: nil) { false }) }
    }

    /// One read a tick for a topic, however many of its readers are signed in: the read is told
    /// who they are, and each gets its own message (or the shared one when it has none).
    func testOneReadServesEveryReaderOfATopic() throws {
        let reads = Shared<[[Int64]]>([])
        let live = LiveEvents(maxStreamsPerClient: 8) { [votes] _, users in
            reads.withLock { $0.append(users.sorted()) }
            let count = votes.withLock { $0 }
            var snapshot = LiveEvents.Snapshot(shared: LiveEvents.Message(parts: [Array("{\"votes\":".utf8), Array("\(count)".utf8), [UInt8(ascii: "}")]], final: false))
            for user in users where user != 2 {
                snapshot.personal[user] = LiveEvents.Message(body: Array("{\"votes\":\(count),\"user\":\(user)}".utf8), final: false)
            }
            return snapshot
        }
        defer { live.stop() }
        var streams: [(Int64?, Received)] = []
        for user in [1, 2, nil, 3] as [Int64?] {
            let (_, received) = try collect(try live.subscribe(.round(9), userID: user, client: "c\(user ?? 0)", lastEventID: nil) { true })
            streams.append((user, received))
        }
        for (_, received) in streams { XCTAssertTrue(waitFor("data: {\"votes\":0", in: received, suffix: false)) }
        reads.withLock { $0 = [] }
        votes.withLock { $0 = 6 }
        live.changed(.round(9))
        for (user, received) in streams {
            let expected = user == nil || user == 2 ? "data: {\"votes\":6}\n\n" : "data: {\"votes\":6,\"user\":\(user!)}\n\n"
            XCTAssertTrue(waitFor(expected, in: received), "\(String(describing: user)): \(received.withLock { $0 })")
        }
        XCTAssertEqual(reads.withLock { $0 }, [[1, 2, 3]], "one read, told every signed-in reader")
    }

    /// A topic whose read is slow is read again only after resting three times as long, so it
    /// cannot keep the events thread busy (gaps only grow on a slower machine).
    func testASlowTopicRestsBetweenReads() throws {
        let times = Shared<[(start: ContinuousClock.Instant, end: ContinuousClock.Instant)]>([])
        let live = LiveEvents(maxStreamsPerClient: 8) { _, _ in
            let start = ContinuousClock.now
            Thread.sleep(forTimeInterval: 0.15)
            times.withLock { $0.append((start, ContinuousClock.now)) }
            return LiveEvents.Snapshot(shared: LiveEvents.Message(body: Array("{}".utf8), final: false))
        }
        defer { live.stop() }
        _ = try collect(try live.subscribe(.round(4), userID: nil, client: "a", lastEventID: nil) { true })
        let deadline = Date().addingTimeInterval(2.5)
        while Date() < deadline {
            live.changed(.round(4))   // votes keep marking it
            Thread.sleep(forTimeInterval: 0.01)
        }
        let reads = times.withLock { $0 }
        XCTAssertGreaterThanOrEqual(reads.count, 2, "a marked topic is still read")
        for (before, after) in zip(reads, reads.dropFirst()) {
            let rest = (before.end - before.start) * (1 + LiveEvents.restFactor)
            XCTAssertGreaterThanOrEqual(after.start - before.start, rest)
        }
    }
}
