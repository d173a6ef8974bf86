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
            LiveEvents.Message(body: Array("{\"votes\":\(votes.withLock { $0 })}".utf8), final: false)
        }
    }

    func current() -> LiveEvents.Message {
        LiveEvents.Message(body: Array("{\"votes\":\(votes.withLock { $0 })}".utf8), final: false)
    }

    /// What a stream sent, collected as a connection would.
    typealias Received = Shared<String>

    func collect(_ response: Response?) throws -> (ResponseStream, Received) {
        let stream = try XCTUnwrap(response?.stream)
        let received = Received("")
        let waiting = stream.attach(sink: { bytes in received.withLock { $0 += String(decoding: bytes, as: UTF8.self) } },
                                    closer: {})
        received.withLock { $0 = String(decoding: waiting, as: UTF8.self) + $0 }
        return (stream, received)
    }

    func waitFor(_ text: String, in received: Received, seconds: Double = 3) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if received.withLock({ $0.hasSuffix(text) }) { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return false
    }

    func testACommitJustAfterTheFirstReadStillReachesTheStream() throws {
        let live = makeEvents()
        defer { live.stop() }
        let response = try live.subscribe(.round(7), userID: 3, client: "a", lastEventID: nil) {
            let first = current()
            votes.withLock { $0 = 1 }     // a vote commits right after the read…
            live.changed(.round(7))       // …and marks the topic as its commit ends
            return first
        }
        let (_, received) = try collect(response)
        XCTAssertTrue(received.withLock { $0.contains("data: {\"votes\":0}") })
        XCTAssertTrue(waitFor("data: {\"votes\":1}\n\n", in: received), received.withLock { $0 })
    }

    func testAReconnectAfterEveryStreamClosedIsSentTheStateAgain() throws {
        let live = makeEvents()
        defer { live.stop() }
        let (stream, received) = try collect(try live.subscribe(.idea(5), userID: nil, client: "a", lastEventID: nil) { current() })
        let firstID = try XCTUnwrap(received.withLock { text in
            text.split(separator: "\n").first { $0.hasPrefix("id: ") }.map { String($0.dropFirst(4)) }
        })
        stream.clientClosed()
        XCTAssertEqual(live.streamCount, 0)
        votes.withLock { $0 = 4 }         // votes while nobody watches mark nothing
        live.changed(.idea(5))
        let (_, again) = try collect(try live.subscribe(.idea(5), userID: nil, client: "a", lastEventID: firstID) { current() })
        XCTAssertTrue(again.withLock { $0.contains("data: {\"votes\":4}") }, again.withLock { $0 })
        XCTAssertFalse(again.withLock { $0.contains("id: \(firstID)\n") })
    }

    func testAReconnectAfterARestartIsSentTheState() throws {
        let before = makeEvents()
        let (_, received) = try collect(try before.subscribe(.idea(5), userID: nil, client: "a", lastEventID: nil) { current() })
        before.stop()
        let oldID = try XCTUnwrap(received.withLock { text in
            text.split(separator: "\n").first { $0.hasPrefix("id: ") }.map { String($0.dropFirst(4)) }
        })
        let after = makeEvents()
        defer { after.stop() }
        let (_, again) = try collect(try after.subscribe(.idea(5), userID: nil, client: "a", lastEventID: oldID) { current() })
        XCTAssertTrue(again.withLock { $0.contains("data: {\"votes\":0}") }, again.withLock { $0 })
    }

    func testAnUnknownTopicLeavesNoStreamBehind() throws {
        let live = makeEvents()
        defer { live.stop() }
        XCTAssertNil(try live.subscribe(.idea(9), userID: nil, client: "a", lastEventID: nil) { nil })
        XCTAssertEqual(live.streamCount, 0)
        for _ in 0..<8 { XCTAssertNil(try live.subscribe(.idea(9), userID: nil, client: "a", lastEventID: nil) { nil }) }
    }
}
