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
        /// The id the client said it has (`Last-Event-ID`): its first state is not sent if
        /// that is still the newest.
        var lastEventID: String?
    }

    private struct State {
        var topics: [Topic: [Int: Subscriber]] = [:]
        var perClient: [String: Int] = [:]
        var dirty: Set<Topic> = []
        /// Streams (by key in `topics`) opened since their topic was last read: the events
        /// thread sends them the current state without waiting for a commit.
        var opened: [Topic: [Int]] = [:]
        /// Topics to read again because another node committed something: sent only if what an
        /// anonymous reader sees differs from `lastShared`.
        var recheck: Set<Topic> = []
        var lastShared: [Topic: [[UInt8]]] = [:]
        /// The id of the state each watched topic last sent. One counter for all topics, and a
        /// topic nobody watches is forgotten: an id from before a topic's streams all closed
        /// never matches a later one, so a client reconnecting with it is sent the state again.
        var versions: [Topic: UInt64] = [:]
        /// Starts at random, so an id from before a restart (or from another node behind the
        /// same load balancer) does not match one this process issues either.
        var lastVersion = UInt64.random(in: 1...(1 << 62))
        /// When a topic whose reads are slow (a round of 100,000 entries) may be read again: the
        /// events thread spends at most a quarter of its time on any one topic, so one costly
        /// topic cannot take a core from the votes that keep marking it.
        var notBefore: [Topic: ContinuousClock.Instant] = [:]
        var nextID = 0
        var stopped = false

        /// Whether `topic` still rests after its last read.
        func resting(_ topic: Topic, at now: ContinuousClock.Instant) -> Bool { notBefore[topic].map { $0 > now } ?? false }
    }

    /// A topic read in `t` is not read again for `restFactor × t` (and never sooner than the
    /// interval): at most 1 / (1 + restFactor) of the thread.
    static let restFactor = 3.0

    private let state = Mutex(State())
    /// States a slow client never got because a newer one replaced them before it read them.
    private let superseded = Atomic<Int>(0)
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    let maxStreamsPerClient: Int
    static let interval = 0.25
    static let heartbeatSeconds = 15.0
    private let readState: @Sendable (Topic, [Int64]) -> Snapshot?

    /// A topic's state as one message: its JSON, in parts that are sent one after another (a
    /// round's leaderboard is one part, shared by every stream's message), and whether it is
    /// the last (a closed round).
    struct Message: Sendable {
        let parts: [[UInt8]]
        let final: Bool

        init(body: [UInt8], final: Bool) { self.init(parts: [body], final: final) }
        init(parts: [[UInt8]], final: Bool) {
            self.parts = parts
            self.final = final
        }

        /// The JSON in one piece.
        var body: [UInt8] { parts.count == 1 ? parts[0] : Array(parts.joined()) }
    }

    /// A topic's state as read once: the message for readers who are not signed in, and the
    /// messages of signed-in readers whose state differs (a round stream's votes left today).
    struct Snapshot: Sendable {
        let shared: Message
        var personal: [Int64: Message] = [:]

        func message(for userID: Int64?) -> Message { userID.flatMap { personal[$0] } ?? shared }
    }

    /// `readState(topic, userIDs)` renders a topic's current state for everyone and for each of
    /// the signed-in `userIDs`, in one read, or nil when the topic is gone; it runs on the events
    /// thread with a reader connection.
    init(maxStreamsPerClient: Int, readState: @escaping @Sendable (Topic, [Int64]) -> Snapshot?) {
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

    /// States dropped unsent since start (for /metrics).
    var supersededCount: Int { superseded.load(ordering: .relaxed) }

    /// Opens a stream on `topic`; the first message is the current state unless `lastEventID`
    /// is already the newest. 429 `too_many_streams` beyond the per-client cap; nil when
    /// `exists` finds no such topic.
    ///
    /// The first state is read by the events thread, not here: once for every stream that
    /// opened since its last read (a round of 100,000 entries takes half a second to rank, and
    /// a crowd arriving at once costs one ranking), and never on an event loop. The stream is
    /// registered before that read, so a commit after it always marks the topic dirty.
    func subscribe(_ topic: Topic, userID: Int64?, client: String, lastEventID: String?,
                   exists: () throws -> Bool) throws -> Response? {
        guard try exists() else { return nil }
        // Messages are states: one a slow client has not begun to read is replaced by the next.
        let stream = ResponseStream(onSuperseded: { [weak self] count in self?.superseded.add(count, ordering: .relaxed) })
        stream.send(Array("retry: 2000\n\n".utf8))
        let id: Int = try state.withLock { state in
            let open = state.perClient[client, default: 0]
            guard open < maxStreamsPerClient else {
                throw ErrorCode.tooManyStreams.error("at most \(maxStreamsPerClient) event streams per client; close one first",
                                                     headers: HTTPHeaders([("Retry-After", "5")]))
            }
            state.perClient[client] = open + 1
            state.nextID += 1
            state.topics[topic, default: [:]][state.nextID] = Subscriber(stream: stream, userID: userID, client: client,
                                                                          lastEventID: lastEventID)
            state.opened[topic, default: []].append(state.nextID)
            if state.versions[topic] == nil {
                state.lastVersion += 1
                state.versions[topic] = state.lastVersion
            }
            return state.nextID
        }
        stream.onClose { [weak self] in self?.remove(topic, id: id, client: client) }
        wake.signal()
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
                state.opened.removeValue(forKey: topic)
                state.lastShared.removeValue(forKey: topic)
                state.versions.removeValue(forKey: topic)
                state.notBefore.removeValue(forKey: topic)
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

    /// `id: N\nevent: NAME\ndata: JSON\n\n` (the JSON has no line breaks), the message's
    /// parts between the frame's.
    static func framed(event: String, id: UInt64, _ message: Message) -> [[UInt8]] {
        // The frame joins the first and last parts (small: a round's head and closing brace), so
        // a message is never more parts than its JSON; the middle parts are passed as they are.
        var parts = message.parts.isEmpty ? [[]] : message.parts
        parts[0] = Array("id: \(id)\nevent: \(event)\ndata: ".utf8) + parts[0]
        parts[parts.count - 1] += Array("\n\n".utf8)
        return parts
    }

    func stop() {
        state.withLock { $0.stopped = true }
        wake.signal()
        finished.wait()
        let all = state.withLock { $0.topics.values.flatMap { $0.values.map(\.stream) } }
        for stream in all { stream.close() }
    }

    /// PostgreSQL: topics another node may have changed are read again, and marked dirty only
    /// if what a reader who is not signed in sees differs from what was last sent.
    private func recheckChangedElsewhere() {
        let recheck = state.withLock { state -> [(Topic, [[UInt8]]?)] in
            let now = ContinuousClock.now
            let due = state.recheck.subtracting(state.dirty).filter { !state.resting($0, at: now) }
            state.recheck.subtract(due)
            state.recheck.subtract(state.dirty)
            return due.map { ($0, state.lastShared[$0]) }
        }
        for (topic, last) in recheck {
            let now = readState(topic, [])?.shared.parts
            if now != last { state.withLock { state in _ = state.topics[topic].map { _ in state.dirty.insert(topic) } } }
        }
    }

    /// Reads the topic once for all of `send`'s streams: readers who are not signed in share one
    /// message (its bytes shared, not copied); a signed-in round reader's differs only in its
    /// votes left, around the same shared leaderboard.
    private func deliver(_ send: Send) {
        let topic = send.topic
        let started = ContinuousClock.now
        let snapshot = readState(topic, Array(Set(send.subscribers.compactMap(\.userID))))
        let took = ContinuousClock.now - started
        state.withLock { state in
            if let snapshot { state.lastShared[topic] = snapshot.shared.parts }
            if state.topics[topic] != nil { state.notBefore[topic] = started + took * (1 + LiveEvents.restFactor) }
        }
        let event = LiveEvents.eventName(topic)
        // The shared message is joined once a read, so each stream is sent the same one array.
        let shared = snapshot.map { [Array(LiveEvents.framed(event: event, id: send.version, $0.shared).joined())] }
        for subscriber in send.subscribers {
            guard let snapshot, let shared else { subscriber.stream.close(); continue }
            let personal = subscriber.userID.flatMap { snapshot.personal[$0] }
            if let personal {
                subscriber.stream.sendState(LiveEvents.framed(event: event, id: send.version, personal))
            } else {
                subscriber.stream.sendState(shared)
            }
            if (personal ?? snapshot.shared).final { subscriber.stream.close() }
        }
    }

    /// One read of a topic to send: its version and who gets it.
    private struct Send {
        let topic: Topic
        let version: UInt64
        let subscribers: [Subscriber]
    }

    private func run() {
        var nextPass = DispatchTime.now() + LiveEvents.interval
        var nextHeartbeat = DispatchTime.now() + LiveEvents.heartbeatSeconds
        while true {
            _ = wake.wait(timeout: nextPass)
            let tick = DispatchTime.now()
            let now = ContinuousClock.now
            // A pass every interval sends what commits changed; between passes, a wake-up only
            // serves streams that just opened, so no stream gets more than one message a pass
            // from changes (a crowd opening streams does not speed anyone's updates up).
            let pass = tick >= nextPass
            if pass { nextPass = tick + LiveEvents.interval }
            if pass { recheckChangedElsewhere() }
            let (sends, stopped) = state.withLock { state -> ([Send], Bool) in
                var out: [Send] = []
                if pass {
                    for topic in state.dirty where !state.resting(topic, at: now) {
                        state.dirty.remove(topic)
                        state.opened.removeValue(forKey: topic)   // this pass's state is their first
                        guard let subscribers = state.topics[topic] else { continue }
                        state.lastVersion += 1
                        state.versions[topic] = state.lastVersion
                        out.append(Send(topic: topic, version: state.lastVersion, subscribers: Array(subscribers.values)))
                    }
                }
                for (topic, keys) in state.opened where !state.resting(topic, at: now) {
                    state.opened.removeValue(forKey: topic)
                    guard let subscribers = state.topics[topic], let version = state.versions[topic] else { continue }
                    // Not dirty: nothing committed since `version` was read (or it is new), so the
                    // state read now is that version's. Dirty: the next pass sends a newer one.
                    let waiting = keys.compactMap { subscribers[$0] }.filter { $0.lastEventID != String(version) }
                    if !waiting.isEmpty { out.append(Send(topic: topic, version: version, subscribers: waiting)) }
                }
                return (out, state.stopped)
            }
            if stopped { break }
            for send in sends { deliver(send) }
            if tick >= nextHeartbeat {
                nextHeartbeat = tick + LiveEvents.heartbeatSeconds
                let all = state.withLock { $0.topics.values.flatMap { $0.values.map(\.stream) } }
                for stream in all { stream.sendKeepAlive(Array(": heartbeat\n\n".utf8)) }
            }
        }
        finished.signal()
    }
}
