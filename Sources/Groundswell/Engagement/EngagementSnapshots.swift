import Dispatch
import HTTPServer
import Logging
import Rules
import Synchronization

/// Engagement reports as last computed, so `GET /admin/engagement`, its CSV tables and the
/// console answer from memory instead of reading the rollup per request. A report is computed on
/// a thread of its own: never an event loop, never the search thread. A report a request waits for
/// runs on `gs-analytics` at nice 10; a report recomputed with nobody waiting (start-up's warm-up,
/// a stale snapshot's refresh) on `gs-analytics-bg` at Linux `SCHED_IDLE`, which runs only on a
/// core nothing else wants: at a million customers the warm-up takes ~10 s of a core, and at nice
/// 10 it still cost 14–20 % of the votes served meanwhile (docs/performance.md, session 35). A
/// request for a report being computed there waits for that computation instead of starting a second,
/// for up to 5 s: with the cores saturated a `SCHED_IDLE` thread gets almost none of them.
///
/// Freshness follows the cost: a snapshot is exact while no transaction has committed since it
/// was read. After a commit, a report that took under 100 ms to compute is computed again for
/// the next request (so on an ordinary site every answer is current); a costlier one (a site with
/// a million customers) is still served for up to 30 times its cost (at most 5 minutes), and
/// recomputed in the background once it is 10 times its cost old — at most a tenth of one core,
/// and only while someone is asking. A request answered from a snapshot does not wait for the
/// rollup to catch up (on the writer, which is busiest exactly when reports are costly); the
/// scheduler keeps the rollup within a minute. Every answer says when its data was read (`as_of`).
final class EngagementSnapshots: Sendable {
    struct Key: Hashable, Sendable {
        let from: Int64, to: Int64
        let interval: PeriodKind
        let category: String?
        let roundID: Int64?
        let withEmails: Bool

        init(_ query: EngagementQuery, withEmails: Bool) {
            from = query.from; to = query.to; interval = query.interval
            category = query.category; roundID = query.roundID
            self.withEmails = withEmails
        }
    }

    struct Snapshot: Sendable {
        let report: EngagementReport
        /// The writer's commit count read before the report's read transaction began.
        let version: UInt64
        /// When it was read (monotonic nanoseconds) and how long it took to compute.
        let readAt: UInt64
        let cost: UInt64
    }

    /// Reports kept (the console's filters and the CSV downloads of the last few queries).
    static let capacity = 32
    static let cheap: UInt64 = 100_000_000

    /// How long after a commit a snapshot of this cost is still served.
    static func allowance(cost: UInt64) -> UInt64 { cost < cheap ? 0 : min(30 * cost, 300_000_000_000) }
    /// How old a served snapshot of this cost gets before it is recomputed in the background.
    static func refreshAge(cost: UInt64) -> UInt64 { 10 * cost }

    private let entries = Mutex<[Key: (snapshot: Snapshot, used: UInt64)]>([:])
    /// Keys being recomputed in the background (one job per key at a time), with the requests
    /// waiting for that job: they take its snapshot instead of computing a second copy at the
    /// same time (at a million customers, seconds of a core and the report's memory twice).
    private let refreshing = Mutex<[Key: [@Sendable () -> Void]]>([:])
    private let thread: BackgroundReads
    private let idleThread: BackgroundReads
    private let builds = Atomic<Int>(0)

    /// How long a request waits for a background computation of its report before computing its own.
    private let joinPatience: DispatchTimeInterval

    init(logger: Logger, joinPatience: DispatchTimeInterval = .seconds(5)) {
        self.joinPatience = joinPatience
        // Reports of a million customers take seconds of a core (at start-up too): never at
        // the expense of votes and pages.
        thread = BackgroundReads(capacity: 32, logger: logger, name: "gs-analytics", priority: .nice(10))
        idleThread = BackgroundReads(capacity: 32, logger: logger, name: "gs-analytics-bg", priority: .idle)
    }

    func stop() {
        thread.stop()
        idleThread.stop()
    }

    /// How many reports were computed (for tests and `/metrics`).
    var computed: Int { builds.load(ordering: .relaxed) }

    /// Answers with `respond(report)` from a snapshot fresh enough for `key` at once, or else
    /// after `prepare` (the rollup catching up, on the writer) and computing one on the analytics
    /// thread. `version` is the writer's commit count; `build` reads the report.
    func answer(_ key: Key, version: @escaping @Sendable () -> UInt64, prepare: () -> Reply,
                build: @escaping @Sendable () throws -> EngagementReport,
                respond: @escaping @Sendable (EngagementReport) -> Response) -> Reply {
        let now = DispatchTime.now().uptimeNanoseconds
        if let snapshot = usable(key, version: version(), now: now) {
            if now - snapshot.readAt >= EngagementSnapshots.refreshAge(cost: snapshot.cost), snapshot.version != version() {
                refresh(key, version: version, build: build)
            }
            return .response(respond(snapshot.report))
        }
        return prepare().then { [self] _ in
            let computed: @Sendable () -> Reply = { [self] in
                background(context: "an engagement report") { [self] in
                    // Another request may have computed it while this one waited.
                    if let snapshot = usable(key, version: version(), now: DispatchTime.now().uptimeNanoseconds) { return respond(snapshot.report) }
                    return respond(try compute(key, version: version, build: build).report)
                }
            }
            // Being computed in the background: its snapshot when it is done, if fresh enough; or,
            // if that computation has not ended within `joinPatience` (a `SCHED_IDLE` thread gets
            // almost no CPU while the cores are saturated), a copy of its own at nice 10.
            let promise = ResponsePromise()
            let answered = Once()
            let joined = refreshing.withLock { jobs -> Bool in
                guard jobs[key] != nil else { return false }
                jobs[key]!.append { [self] in
                    guard answered.claim() else { return }
                    if let snapshot = usable(key, version: version(), now: DispatchTime.now().uptimeNanoseconds) {
                        promise.succeed(respond(snapshot.report))
                        return
                    }
                    computed().whenComplete { promise.succeed($0) }
                }
                return true
            }
            guard joined else { return computed() }
            DispatchQueue.global().asyncAfter(deadline: .now() + joinPatience) {
                guard answered.claim() else { return }
                computed().whenComplete { promise.succeed($0) }
            }
            return .promise(promise)
        }
    }

    /// Runs `work` on the analytics thread (a rollup before a report: in the same queue as the
    /// report it prepares).
    func background(context: String, _ work: @escaping @Sendable () throws -> Response) -> Reply {
        thread.then(work, context: context) { .response($0) }
    }

    /// Computes `key`'s report in the background unless it is being computed (start-up warms the
    /// console's default view this way).
    func refresh(_ key: Key, version: @escaping @Sendable () -> UInt64, build: @escaping @Sendable () throws -> EngagementReport) {
        guard refreshing.withLock({ jobs -> Bool in
            guard jobs[key] == nil else { return false }
            jobs[key] = []
            return true
        }) else { return }
        let queued = idleThread.run { [self] in
            _ = try? compute(key, version: version, build: build)
            finishRefresh(key)
        }
        if !queued { finishRefresh(key) }
    }

    /// Ends `key`'s background job and hands its outcome to the requests that waited for it.
    private func finishRefresh(_ key: Key) {
        let waiting = refreshing.withLock { $0.removeValue(forKey: key) ?? [] }
        for waiter in waiting { waiter() }
    }

    /// Computes `key`'s report in the background if none is kept (the console's default view,
    /// once the scheduler's rollup has caught up after start-up), so the first visit is quick.
    func warm(_ key: Key, version: @escaping @Sendable () -> UInt64, build: @escaping @Sendable () throws -> EngagementReport) {
        guard entries.withLock({ $0[key] == nil }) else { return }
        refresh(key, version: version, build: build)
    }

    private func usable(_ key: Key, version: UInt64, now: UInt64) -> Snapshot? {
        entries.withLock { entries -> Snapshot? in
            guard let entry = entries[key] else { return nil }
            let snapshot = entry.snapshot
            guard snapshot.version == version || now - snapshot.readAt <= EngagementSnapshots.allowance(cost: snapshot.cost) else { return nil }
            entries[key]!.used = now
            return snapshot
        }
    }

    private func compute(_ key: Key, version: @Sendable () -> UInt64, build: () throws -> EngagementReport) throws -> Snapshot {
        let seen = version()
        let start = DispatchTime.now().uptimeNanoseconds
        let report = try build()
        let end = DispatchTime.now().uptimeNanoseconds
        builds.add(1, ordering: .relaxed)
        let snapshot = Snapshot(report: report, version: seen, readAt: start, cost: end - start)
        entries.withLock { entries in
            entries[key] = (snapshot, end)
            if entries.count > EngagementSnapshots.capacity, let oldest = entries.min(by: { $0.value.used < $1.value.used })?.key {
                entries[oldest] = nil
            }
        }
        return snapshot
    }

    /// Whichever of a joined request's two ways to its answer comes first: the background
    /// computation ending or the patience running out.
    private final class Once: Sendable {
        private let taken = Atomic<Bool>(false)
        func claim() -> Bool { !taken.exchange(true, ordering: .acquiringAndReleasing) }
    }
}
