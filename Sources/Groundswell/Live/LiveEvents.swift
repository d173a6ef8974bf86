import CLinux
import Foundation
import HTTPServer
import JSON
import Logging
import Rules
import SQLiteStore
import Synchronization

/// Live counts over server-sent events: `GET /ideas/{id}/events` and `GET /rounds/{id}/events`.
///
/// A write that changes what a stream shows marks its topic dirty after its commit (so nothing
/// uncommitted is ever shown). One thread wakes every 250 ms, reads each dirty topic once and
/// sends the new state to every stream of it: at most four messages a second per stream,
/// however many votes arrive, and one database read per topic, however many streams watch it.
/// Messages are states, not deltas, so a client that reconnects with `Last-Event-ID` gets the
/// current state at once (nothing if it already has the newest). A comment line every 15 s
/// keeps proxies from closing quiet streams.
final class LiveEvents: Sendable {
    enum Topic: Hashable, Sendable {
        case idea(Int64)
        case round(Int64)
    }

    struct Subscriber: Sendable {
        let stream: ResponseStream
        /// The signed-in customer of a round stream (for their remaining votes today).
        let userID: Int64?
        let client: String
    }

    private struct State {
        var topics: [Topic: [Int: Subscriber]] = [:]
        var perClient: [String: Int] = [:]
        var dirty: Set<Topic> = []
        /// Topics to read again because another node committed something: sent only if what an
        /// anonymous reader sees differs from `lastShared`.
        var recheck: Set<Topic> = []
        var lastShared: [Topic: [UInt8]] = [:]
        /// The id of the state each watched topic last sent. One counter for all topics, and a
        /// topic nobody watches is forgotten: an id from before a topic's streams all closed
        /// never matches a later one, so a client reconnecting with it is sent the state again.
        var versions: [Topic: UInt64] = [:]
        /// Starts at random, so an id from before a restart (or from another node behind the
        /// same load balancer) does not match one this process issues either.
        var lastVersion = UInt64.random(in: 1...(1 << 62))
        var nextID = 0
        var stopped = false
    }

    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    let maxStreamsPerClient: Int
    static let interval = 0.25
    static let heartbeatSeconds = 15.0
    private let readState: @Sendable (Topic, Int64?) -> Message?

    /// A topic's state as one message: its JSON, and whether it is the last (a closed round).
    struct Message: Sendable {
        let body: [UInt8]
        let final: Bool
    }

    /// `readState(topic, userID)` renders a topic's current message, or nil when the topic is
    /// gone; it runs on the events thread with a reader connection.
    init(maxStreamsPerClient: Int, readState: @escaping @Sendable (Topic, Int64?) -> Message?) {
        self.maxStreamsPerClient = maxStreamsPerClient
        self.readState = readState
        let thread = Thread { [unowned self] in
            clinux_name_thread("gs-events")
            self.run()
        }
        thread.start()
    }

    /// After a commit that changed what `topic` shows.
    func changed(_ topic: Topic) {
        state.withLock { state in
            if state.topics[topic] != nil { state.dirty.insert(topic) }
        }
    }

    /// After another node's commit (PostgreSQL): any topic may have changed.
    func recheckAll() {
        state.withLock { state in state.recheck.formUnion(state.topics.keys) }
    }

    /// Streams open now (for /metrics).
    var streamCount: Int { state.withLock { $0.topics.values.reduce(0) { $0 + $1.count } } }

    /// Opens a stream on `topic`; the first message is the current state unless `lastEventID`
    /// is already the newest. 429 `too_many_streams` beyond the per-client cap; nil when
    /// `first` finds no such topic.
    ///
    /// The stream is registered before `first()` reads the state, so a commit after that read
    /// always marks the topic dirty (a commit between a read and the registration would have
    /// been missed, leaving the stream stale). If the events thread sent a newer state while
    /// the first was being read, the topic is marked dirty again so the newest state comes last.
    func subscribe(_ topic: Topic, userID: Int64?, client: String, lastEventID: String?,
                   first: () throws -> Message?) throws -> Response? {
        let stream = ResponseStream()
        let (id, version): (Int, UInt64) = try state.withLock { state in
            let open = state.perClient[client, default: 0]
            guard open < maxStreamsPerClient else {
                throw ErrorCode.tooManyStreams.error("at most \(maxStreamsPerClient) event streams per client; close one first",
                                                     headers: HTTPHeaders([("Retry-After", "5")]))
            }
            state.perClient[client] = open + 1
            state.nextID += 1
            state.topics[topic, default: [:]][state.nextID] = Subscriber(stream: stream, userID: userID, client: client)
            if state.versions[topic] == nil {
                state.lastVersion += 1
                state.versions[topic] = state.lastVersion
            }
            return (state.nextID, state.versions[topic]!)
        }
        let message: Message?
        do { message = try first() } catch {
            remove(topic, id: id, client: client)
            throw error
        }
        guard let message else {
            remove(topic, id: id, client: client)
            return nil
        }
        stream.onClose { [weak self] in self?.remove(topic, id: id, client: client) }
        stream.send(Array("retry: 2000\n\n".utf8))
        if lastEventID != String(version) {
            stream.send(LiveEvents.message(event: LiveEvents.eventName(topic), id: version, data: message.body))
        }
        if message.final {
            stream.close()
        } else {
            state.withLock { state in
                if state.versions[topic] != version, state.topics[topic] != nil { state.dirty.insert(topic) }
            }
        }
        var response = Response(status: .ok, contentType: "text/event-stream; charset=utf-8")
        response.headers.add("Cache-Control", "no-store")
        response.headers.add("X-Accel-Buffering", "no")
        response.stream = stream
        return response
    }

    private func remove(_ topic: Topic, id: Int, client: String) {
        state.withLock { state in
            state.topics[topic]?.removeValue(forKey: id)
            if state.topics[topic]?.isEmpty == true {
                state.topics.removeValue(forKey: topic)
                state.dirty.remove(topic)
                state.lastShared.removeValue(forKey: topic)
                state.versions.removeValue(forKey: topic)
            }
            if let open = state.perClient[client] {
                if open <= 1 { state.perClient.removeValue(forKey: client) } else { state.perClient[client] = open - 1 }
            }
        }
    }

    static func eventName(_ topic: Topic) -> String {
        switch topic {
        case .idea: return "idea"
        case .round: return "leaderboard"
        }
    }

    /// `id: N\nevent: NAME\ndata: JSON\n\n` (the JSON has no line breaks).
    static func message(event: String, id: UInt64, data: [UInt8]) -> [UInt8] {
        var out = Array("id: \(id)\nevent: \(event)\ndata: ".utf8)
        out += data
        out += Array("\n\n".utf8)
        return out
    }

    func stop() {
        state.withLock { $0.stopped = true }
        wake.signal()
        finished.wait()
        let all = state.withLock { $0.topics.values.flatMap { $0.values.map(\.stream) } }
        for stream in all { stream.close() }
    }

    private func run() {
        var sinceHeartbeat = 0.0
        while true {
            _ = wake.wait(timeout: .now() + LiveEvents.interval)
            let recheck = state.withLock { state -> [(Topic, [UInt8]?)] in
                defer { state.recheck = [] }
                return state.recheck.subtracting(state.dirty).map { ($0, state.lastShared[$0]) }
            }
            for (topic, last) in recheck {
                let now = readState(topic, nil)?.body
                if now != last { state.withLock { state in _ = state.topics[topic].map { _ in state.dirty.insert(topic) } } }
            }
            let (dirty, stopped) = state.withLock { state -> ([(topic: Topic, version: UInt64, subscribers: [Subscriber])], Bool) in
                defer { state.dirty = [] }
                var out: [(topic: Topic, version: UInt64, subscribers: [Subscriber])] = []
                for topic in state.dirty {
                    guard let subscribers = state.topics[topic] else { continue }
                    state.lastVersion += 1
                    state.versions[topic] = state.lastVersion
                    out.append((topic, state.lastVersion, Array(subscribers.values)))
                }
                return (out, state.stopped)
            }
            if stopped { break }
            for (topic, version, subscribers) in dirty where !subscribers.isEmpty {
                // One read and one framed message for everyone who is not signed in (the bytes are
                // shared, not copied, by every stream); a signed-in round stream has its own.
                let event = LiveEvents.eventName(topic)
                lazy var shared = readState(topic, nil).map { message in
                    state.withLock { $0.lastShared[topic] = message.body }
                    return (message: message, bytes: LiveEvents.message(event: event, id: version, data: message.body))
                }
                for subscriber in subscribers {
                    let framed: (message: Message, bytes: [UInt8])?
                    if subscriber.userID == nil {
                        framed = shared
                    } else {
                        framed = readState(topic, subscriber.userID).map { ($0, LiveEvents.message(event: event, id: version, data: $0.body)) }
                    }
                    guard let framed else { subscriber.stream.close(); continue }
                    subscriber.stream.send(framed.bytes)
                    if framed.message.final { subscriber.stream.close() }
                }
            }
            sinceHeartbeat += LiveEvents.interval
            if sinceHeartbeat >= LiveEvents.heartbeatSeconds {
                sinceHeartbeat = 0
                let all = state.withLock { $0.topics.values.flatMap { $0.values.map(\.stream) } }
                for stream in all { stream.send(Array(": heartbeat\n\n".utf8)) }
            }
        }
        finished.signal()
    }
}
