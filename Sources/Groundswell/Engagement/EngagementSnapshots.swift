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
/// 10 it still cost 14–20 % of the votes served meanwhile (docs/performance.md, session 35); and
/// it starts only when the machine has a core to spare (`SpareCore`: at `SCHED_IDLE` under a
/// flood it still cost ~20 % more CPU and ~50 MiB of peak memory, session 46). A
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
///
/// Requests that need a report computed share one computation per report (`SharedFlights`): after a
/// commit 64 dashboards cost one computation, not 64 queued on the analytics thread (whose full
/// queue answered 503). While it runs, the request that started it waits for it and later ones
/// take the report it replaces if that is at most 5 s old — during a vote flood the rollup commits
/// many times a second, and each request otherwise waited for a catch-up and a computation. Each
/// kept report's JSON and CSV tables are made once and reused.
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
    static func allowance(cost: UInt64, cheap: UInt64 = cheap) -> UInt64 { cost < cheap ? 0 : min(30 * cost, 300_000_000_000) }
    /// How old a served snapshot of this cost gets before it is recomputed in the background.
    static func refreshAge(cost: UInt64) -> UInt64 { 10 * cost }

    /// The kept snapshots, when each was last used, and the responses made from each (by variant):
    /// a report's JSON is ~14 KB, and encoding it for every request held the event loop ~0.1 ms.
    private let entries = Mutex<[Key: (snapshot: Snapshot, used: UInt64, rendered: [String: Response])]>([:])
    /// Keys being recomputed in the background (one job per key at a time), with the requests
    /// waiting for that job: they take its snapshot instead of computing a second copy at the
    /// same time (at a million customers, seconds of a core and the report's memory twice).
    private let refreshing = Mutex<[Key: [Waiter]]>([:])
    private let thread: BackgroundReads
    private let idleThread: BackgroundReads
    private let builds = Atomic<Int>(0)
    private let skips = Atomic<Int>(0)
    /// Whether a background computation may start now (`SpareCore`).
    private let spare: @Sendable () -> Bool

    /// How long a request waits for a background computation of its report before computing its own.
    private let joinPatience: DispatchTimeInterval

    /// Reports computed in less than this are computed again after any commit (`cheap`; tests
    /// raise it to make a slow computation count as cheap).
    private let cheap: UInt64

    init(logger: Logger, joinPatience: DispatchTimeInterval = .seconds(5), cheap: UInt64 = EngagementSnapshots.cheap,
         spare: @escaping @Sendable () -> Bool = { SpareCore().available() }) {
        self.joinPatience = joinPatience
        self.cheap = cheap
        self.spare = spare
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
    /// How many background computations were not started for want of a spare core.
    var skipped: Int { skips.load(ordering: .relaxed) }

    func render(into text: inout String) {
        MetricText.single("groundswell_engagement_reports_computed_total", "counter",
                          help: "Engagement reports computed, for requests or in the background.", value: computed, into: &text)
        MetricText.single("groundswell_engagement_background_skipped_total", "counter",
                          help: "Background engagement reports (the start-up warm-up, refreshes of a stale report) not started because no core was spare.",
                          value: skipped, into: &text)
    }

    /// Answers with `respond(report)` from a snapshot fresh enough for `key` at once, or else
    /// after `prepare` (the rollup catching up, on the writer) and computing one on the analytics
    /// thread. `version` is the writer's commit count; `build` reads the report.
    /// `variant` names what `respond` makes of a report (the JSON, a CSV table): each snapshot's
    /// response is made once per variant and reused (nil: every time).
    func answer(_ key: Key, version: @escaping @Sendable () -> UInt64, prepare: @escaping @Sendable () -> Reply,
                build: @escaping @Sendable () throws -> EngagementReport, variant: String? = nil,
                respond rawRespond: @escaping @Sendable (EngagementReport) -> Response) -> Reply {
        let respond: @Sendable (Snapshot) -> Response = { [self] snapshot in rendered(key, snapshot, variant, rawRespond) }
        let now = DispatchTime.now().uptimeNanoseconds
        if let snapshot = usable(key, version: version(), now: now) {
            if now - snapshot.readAt >= EngagementSnapshots.refreshAge(cost: snapshot.cost), snapshot.version != version() {
                refresh(key, version: version, build: build)
            }
            return .response(respond(snapshot))
        }
        // Stale while being recomputed: the request that started the computation waits for it (an
        // answer after your own commit counts it); those arriving meanwhile take the report it
        // replaces, if that is younger than `staleWhileComputing` (every answer says `as_of`).
        if let stale = keptWhileComputing(key, now: now) { return .response(respond(stale)) }
        let promise = ResponsePromise()
        let answered = Once()
        let job = Job(version: version, prepare: prepare, build: build)
        let computed: Waiter = { outcome in
            switch outcome {
            case .report(let snapshot): promise.succeed(respond(snapshot))
            case .failed(let response): promise.succeed(response ?? APIError.busy.response)
            }
        }
        // Being computed in the background: its snapshot when it is done, if fresh enough; or,
        // if that computation has not ended within `joinPatience` (a `SCHED_IDLE` thread gets
        // almost no CPU while the cores are saturated), the computation requests wait for.
        let joined = refreshing.withLock { jobs -> Bool in
            guard jobs[key] != nil else { return false }
            jobs[key]!.append { [self] outcome in
                guard answered.claim() else { return }
                if case .report = outcome, let snapshot = usable(key, version: version(), now: DispatchTime.now().uptimeNanoseconds) {
                    promise.succeed(respond(snapshot))
                    return
                }
                join(key, job, then: computed)
            }
            return true
        }
        if joined {
            DispatchQueue.global().asyncAfter(deadline: .now() + joinPatience) { [self] in
                guard answered.claim() else { return }
                join(key, job, then: computed)
            }
        } else {
            join(key, job, then: computed)
        }
        return .promise(promise)
    }

    /// What a computation hands the requests waiting for it: its snapshot, or the response that
    /// says why it failed (nil: a background computation, which has no response; each request
    /// then waits for one computed for requests).
    enum Outcome: Sendable {
        case report(Snapshot)
        case failed(Response?)
    }
    typealias Waiter = @Sendable (Outcome) -> Void

    /// How a request's report is computed: the same for every request with the same key.
    struct Job: Sendable {
        let version: @Sendable () -> UInt64
        let prepare: @Sendable () -> Reply
        let build: @Sendable () throws -> EngagementReport
    }

    /// The computations of reports that requests are waiting for, one per key at a time
    /// (`SharedFlights`): many requests after a commit cost one computation instead of one each
    /// (which also overflowed the analytics queue into 503s with 64 connections).
    private let flights = SharedFlights<Key, Outcome>()

    /// Calls `waiter` with the outcome of the computation of `key` it can take, starting one if
    /// none is under way.
    private func join(_ key: Key, _ job: Job, then waiter: @escaping Waiter) {
        flights.join(key, current: job.version(), waiter) { [self] in fly(key, job) }
    }

    /// Runs `key`'s computation: the rollup catches up (`prepare`), then the report is computed on
    /// the analytics thread, unless another computation left a snapshot good for this moment.
    private func fly(_ key: Key, _ job: Job) {
        let produced = Mutex<Snapshot?>(nil)
        job.prepare().then { [self] _ in
            background(context: "an engagement report") { [self] in
                let seen = job.version()
                flights.reading(key, seen: seen)
                let snapshot = try usable(key, version: seen, now: DispatchTime.now().uptimeNanoseconds)
                    ?? compute(key, version: { seen }, build: job.build)
                produced.withLock { $0 = snapshot }
                return Response(status: .noContent)
            }
        }.whenComplete { [self] response in
            flights.land(key, produced.withLock { $0 }.map(Outcome.report) ?? .failed(response))
        }
    }

    /// The analytics thread, for other staff reads that belong there (`SharedReads`).
    var analyticsThread: BackgroundReads { thread }

    /// Runs `work` on the analytics thread (a rollup before a report: in the same queue as the
    /// report it prepares).
    func background(context: String, _ work: @escaping @Sendable () throws -> Response) -> Reply {
        thread.then(work, context: context) { .response($0) }
    }

    /// Computes `key`'s report in the background unless it is being computed (start-up warms the
    /// console's default view this way), once the machine has a core to spare; with none, it
    /// computes nothing (requests waiting for it then compute their own at once).
    func refresh(_ key: Key, version: @escaping @Sendable () -> UInt64, build: @escaping @Sendable () throws -> EngagementReport) {
        guard refreshing.withLock({ jobs -> Bool in
            guard jobs[key] == nil else { return false }
            jobs[key] = []
            return true
        }) else { return }
        let queued = idleThread.run { [self] in
            guard spare() else {
                skips.add(1, ordering: .relaxed)
                return finishRefresh(key, .failed(nil))
            }
            finishRefresh(key, (try? compute(key, version: version, build: build)).map(Outcome.report) ?? .failed(nil))
        }
        if !queued { finishRefresh(key, .failed(nil)) }
    }

    /// Ends `key`'s background job and hands its outcome to the requests that waited for it.
    private func finishRefresh(_ key: Key, _ outcome: Outcome) {
        let waiting = refreshing.withLock { $0.removeValue(forKey: key) ?? [] }
        for waiter in waiting { waiter(outcome) }
    }

    /// Computes `key`'s report in the background if none is kept (the console's default view,
    /// once the scheduler's rollup has caught up after start-up), so the first visit is quick.
    func warm(_ key: Key, version: @escaping @Sendable () -> UInt64, build: @escaping @Sendable () throws -> EngagementReport) {
        guard entries.withLock({ $0[key] == nil }) else { return }
        refresh(key, version: version, build: build)
    }

    /// How old a kept report may be to answer requests that arrive while its successor is computed.
    static let staleWhileComputing: UInt64 = 5_000_000_000

    /// The kept snapshot of `key`, if a computation of its successor for requests is under way and
    /// it is young enough to answer meanwhile.
    private func keptWhileComputing(_ key: Key, now: UInt64) -> Snapshot? {
        guard flights.isUnderWay(key) else { return nil }
        return entries.withLock { entries -> Snapshot? in
            guard let entry = entries[key], now &- entry.snapshot.readAt <= EngagementSnapshots.staleWhileComputing else { return nil }
            entries[key]!.used = now
            return entry.snapshot
        }
    }

    /// `snapshot`'s response for `variant`, made once while the snapshot is kept.
    private func rendered(_ key: Key, _ snapshot: Snapshot, _ variant: String?,
                          _ respond: (EngagementReport) -> Response) -> Response {
        guard let variant else { return respond(snapshot.report) }
        let made = entries.withLock { entries -> Response? in
            guard let entry = entries[key], entry.snapshot.readAt == snapshot.readAt else { return nil }
            return entry.rendered[variant]
        }
        if let made { return made }
        let response = respond(snapshot.report)
        entries.withLock { entries in
            guard let entry = entries[key], entry.snapshot.readAt == snapshot.readAt else { return }
            entries[key]!.rendered[variant] = response
        }
        return response
    }

    private func usable(_ key: Key, version: UInt64, now: UInt64) -> Snapshot? {
        entries.withLock { entries -> Snapshot? in
            guard let entry = entries[key] else { return nil }
            let snapshot = entry.snapshot
            guard snapshot.version == version || now - snapshot.readAt <= EngagementSnapshots.allowance(cost: snapshot.cost, cheap: cheap) else { return nil }
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
            entries[key] = (snapshot, end, [:])
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
