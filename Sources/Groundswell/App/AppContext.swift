import JSON
import Crypto
import Foundation
import HTTPServer
import Logging
import SQLiteStore
import Storage
import Synchronization

/// What every handler needs: the database, the clock and the logger. Reads run on the
/// calling event-loop thread with a pooled reader; writes go to the group-commit writer
/// and answer through a promise once committed.
public final class AppContext: Sendable {
    public let database: SQLDatabase
    public let clock: Clock
    public let logger: Logger
    /// Ranked search results; emptied by the writer after a commit that changed searchable text, visibility or a status.
    let searchCache = SearchCache()
    /// Rendered `GET /ideas` pages, valid while no commit changed what they show (`ListingChanges`).
    let pageCache: PageCache<[UInt8]>
    /// SQLite: what recent commits did to ideas, for `pageCache`.
    let listingChanges: ListingChanges?
    /// The web site's pages as sent to readers who are not signed in (compressed or not),
    /// valid while no transaction commits — idea pages (SQLite) while no commit changed what they
    /// show (`IdeaPageTables`); 20 MiB holds about 10,000 gzip-compressed idea pages.
    let webPageCache: PageCache<WebContext.CachedPage>
    /// Customers by token hash; emptied by the writer when `users` rows change.
    let accounts = AccountCache()
    /// HTTP figures (the server reports into it) and database write latency, for GET /metrics.
    public let httpMetrics = HTTPMetrics()
    private let writeLatency = Mutex(Histogram(buckets: HTTPMetrics.latencyBuckets))

    /// Client addresses and their keyed hashes.
    public let client: ClientAddress
    /// How long address hashes are kept (days).
    let retainDays: Int
    /// Costly reads (uncached searches), off the event loops.
    let backgroundReads: BackgroundReads
    /// Password hashing and checking (Argon2id, tens of milliseconds each), off the event loops.
    let passwordWork: BackgroundReads
    /// Web pages not in the page cache (~0.2 ms each: reads, HTML, gzip), off the event loop: on it
    /// they held every other connection, and only one core rendered.
    let pageRenders: BackgroundReads
    /// The pages `pageRenders` is rendering for `webPageCache`: one render per page at a time.
    let rendersInFlight = RendersInFlight()
    /// Failed sign-ins per account and address.
    let signInLimiter = SignInLimiter()
    /// Page views waiting for the engagement rollup (anonymous readers by a daily salted hash).
    let readerLog = ReaderLog()
    let rollupStats = RollupStats()
    /// The scheduler's open engagement window between its writes.
    let rollupWindow = RollupWindowCache()
    /// Engagement reports as last computed, and the thread that computes them.
    let engagement: EngagementSnapshots
    /// `/admin/stats` and `/admin/fraud`: one computation on the analytics thread for every request
    /// that can take it.
    let staffReads: SharedReads
    /// Live counts (server-sent events), fed after commits.
    let live: LiveEvents

    /// The site's public base URL (`--public-url`, or the address the server listens on).
    var publicURL: String { delivery.currentPublicURL }
    /// Lines the process's log dropped so far, if it drops any.
    let droppedLogLines: (@Sendable () -> Int)?
    /// Whether the X-Forwarded-For-without-`--trust-proxy` warning was logged (once per run).
    let forwardedWarning = Atomic<Bool>(false)
    /// The address key and its rotation.
    let addressKeys: AddressKeyring
    /// Sends the outbox: webhooks and email.
    let delivery: DeliveryWorker
    /// Pictures on ideas: their files and the thread that decodes uploads.
    let media: MediaLibrary
    /// SQLite: the `top` and `trending` orders (PostgreSQL orders with its indexes: nil).
    let ranking: IdeaRanking?
    /// SQLite: each visible idea's JSON as last committed (nil on PostgreSQL, whose other
    /// nodes change ideas this one never hears of by row).
    let ideaCache: IdeaCache?
    /// SQLite: each indexed idea's length for relevance rankings (`SearchRanking`).
    let docLengths: FullTextDocLengths?
    /// SQLite, large files: reads a vote's pages before the writer needs them (nil otherwise).
    let votePrefetch: VotePrefetch?
    /// SQLite: repeated votes refused without the writer (PostgreSQL: nil, other nodes change votes too).
    let knownVotes: KnownVotes?
    /// Whether a load of `docLengths` is queued or running (`SearchRanking.loadLengths`).
    let loadingLengths = Atomic<Bool>(false)

    init(database: SQLDatabase, clock: Clock, logger: Logger, client: ClientAddress, retainDays: Int, addressKeys: AddressKeyring,
         droppedLogLines: (@Sendable () -> Int)?, maxStreamsPerClient: Int, delivery: DeliverySettings, media: MediaLibrary,
         ranking: IdeaRanking?, ideaCache: IdeaCache?, knownVotes: KnownVotes?, listingChanges: ListingChanges?, webPageChanges: ListingChanges?,
         docLengths: FullTextDocLengths?, votePrefetch: VotePrefetch?) {
        self.votePrefetch = votePrefetch
        self.knownVotes = knownVotes
        self.listingChanges = listingChanges
        self.pageCache = PageCache(changes: listingChanges, cost: { $0.count })
        self.webPageCache = PageCache(byteLimit: 20 << 20, maxPageBytes: 128 << 10, changes: webPageChanges,
                                      cost: { $0.response.body.count + 256 })
        self.media = media
        self.docLengths = docLengths
        self.ranking = ranking
        self.ideaCache = ideaCache
        self.droppedLogLines = droppedLogLines
        self.database = database
        self.clock = clock
        self.logger = logger
        self.client = client
        self.retainDays = retainDays
        self.addressKeys = addressKeys
        self.backgroundReads = BackgroundReads(logger: logger)
        self.pageRenders = BackgroundReads(capacity: 4_096, logger: logger, name: "gs-pages", threads: 2)
        self.engagement = EngagementSnapshots(logger: logger)
        self.staffReads = SharedReads(on: engagement.analyticsThread, version: { [database] in database.writer.commitCount })
        self.passwordWork = BackgroundReads(capacity: 64, logger: logger, name: "gs-passwords",
                                            busy: ErrorCode.overloaded.error("too many sign-ins at once; retry shortly",
                                                                             headers: HTTPHeaders([("Retry-After", "1")])))
        self.delivery = DeliveryWorker(settings: delivery, database: database, clock: clock, logger: logger)
        let clock = self.clock
        self.live = LiveEvents(maxStreamsPerClient: maxStreamsPerClient) { [database] topic, userIDs in
            try? database.read { db in
                try db.transaction(.deferred) {
                    switch topic {
                    case .idea(let id):
                        return try IdeaJSON.liveState(db, id: id).map { LiveEvents.Snapshot(shared: LiveEvents.Message(body: $0, final: false)) }
                    case .round(let id): return try LiveRoutes.roundState(db, id: id, userIDs: userIDs, now: clock.nowMillis())
                    }
                }
            } ?? nil
        }
    }

    /// The visible idea `id` as the API shows it, from `ideaCache` when it holds it; nil when
    /// there is none (or it is hidden).
    func visibleIdea(_ id: Int64) throws -> [UInt8]? {
        // Read before the snapshot begins: what is read is then at least this current.
        let generation = database.writer.commitCount
        guard let ideaCache else { return try read { db in try IdeaJSON.fetch(db, id: id) } }
        if let open = ideaCache.get(id) { return open + [UInt8(ascii: "}")] }
        return try read { db in try IdeaJSON.fetchVisible(db, id: id, cache: ideaCache, readAt: generation) }
    }

    /// For a read that ranks search matches: call before the read begins (see `SearchRanking`).
    func searchRanking() -> SearchRanking { SearchRanking(lengths: docLengths, readAt: database.writer.commitCount) }

    /// Runs `body` in one read transaction: a consistent snapshot, and the WAL read lock
    /// taken once instead of once per statement (which contends between reader threads).
    public func read<T>(_ body: (SQLConnection) throws -> T) throws -> T {
        try database.read { db in try db.transaction(.deferred) { try body(db) } }
    }

    /// Runs `work` in the writer's next batch; the reply is sent only after the batch commits.
    /// An error thrown by `work` rolls back only `work`'s own changes. When the request
    /// carries an idempotency key, its response is stored in the same transaction.
    public func write(_ request: Request, _ work: @escaping (SQLConnection) throws -> Response) -> Reply {
        guard let record = IdempotencyRecord(request: request) else { return write(work) }
        let now = clock.nowMillis()
        return write { db in
            // Another node may be running (or have run) the same key: take turns, then replay.
            if let stored = try record.claim(db, now: now) {
                return try IdempotencyMiddleware.replayResponse(stored, bodyHash: record.bodyHash)
            }
            let response = try work(db)
            try record.store(db, response: response, now: now)
            return response
        }
    }

    /// Runs `work` in the writer's next batch; the reply is sent only after the batch commits.
    public func write(_ work: @escaping (SQLConnection) throws -> Response) -> Reply {
        let promise = ResponsePromise()
        let submitted = DispatchTime.now().uptimeNanoseconds
        database.writer.submit(work) { [logger, self] result in
            self.recordWrite(nanos: DispatchTime.now().uptimeNanoseconds - submitted)
            switch result {
            case .success(let response):
                promise.succeed(response)
            case .failure(let error):
                promise.succeed(APIError.response(for: error, logger: logger, context: "a write"))
            }
        }
        return .promise(promise)
    }

    private func recordWrite(nanos: UInt64) {
        writeLatency.withLock { $0.observe(Double(nanos) / 1e9) }
    }

    /// Everything GET /metrics shows, in the Prometheus text format.
    func renderMetrics() -> String {
        var text = ""
        httpMetrics.render(into: &text)
        let latency = writeLatency.withLock { $0 }
        latency.render(name: "groundswell_db_write_seconds",
                       help: "Time from submitting a write to its commit (group commit included).", into: &text)
        let stats = database.writer.statistics
        MetricText.single("groundswell_db_commits_total", "counter", help: "Write transactions committed.", value: stats.batches, into: &text)
        MetricText.single("groundswell_db_writes_total", "counter", help: "Writes committed (several share a commit).", value: stats.jobs,
                          into: &text)
        if let checkpoints = database.writer.checkpointStatistics {
            MetricText.single("groundswell_wal_checkpoint_passes_total", "counter",
                              help: "Background passes copying the WAL into the database file (SQLite).", value: checkpoints.passes, into: &text)
            MetricText.single("groundswell_wal_checkpoint_urgent_passes_total", "counter",
                              help: "Those passes run at normal priority because the WAL had grown to three windows (SQLite).",
                              value: checkpoints.urgentPasses, into: &text)
            MetricText.single("groundswell_wal_checkpoint_writer_copies_total", "counter",
                              help: "Times the writer copied a pass's last frames itself so the WAL could start over (SQLite).",
                              value: checkpoints.writerPasses, into: &text)
            MetricText.single("groundswell_wal_checkpoint_writer_copy_seconds_total", "counter",
                              help: "Time the writer spent in those copies (writes wait meanwhile: two disk flushes and the pages).",
                              value: Double(checkpoints.writerNanos) / 1e9, into: &text)
        }
        if let shrink = database.writer.walShrinkStatistics {
            MetricText.single("groundswell_wal_shrink_steps_total", "counter",
                              help: "Times the writer cut the WAL file back while no write was waiting (SQLite).",
                              value: shrink.steps, into: &text)
            MetricText.single("groundswell_wal_bytes_returned_total", "counter",
                              help: "Bytes of WAL file those cuts gave back to the file system (SQLite).",
                              value: shrink.bytes, into: &text)
            MetricText.single("groundswell_wal_shrink_seconds_total", "counter",
                              help: "Time those cuts took (a write that came meanwhile waited for one; SQLite).",
                              value: Double(shrink.nanos) / 1e9, into: &text)
        }
        if let syncs = database.writer.syncStatistics {
            MetricText.single("groundswell_wal_syncs_total", "counter",
                              help: "Flushes of the WAL that made commits durable, each for one or more commits (SQLite, pipelined syncs).",
                              value: syncs.syncs, into: &text)
            MetricText.single("groundswell_wal_sync_seconds_total", "counter", help: "Time spent in those flushes.",
                              value: Double(syncs.nanos) / 1e9, into: &text)
            MetricText.single("groundswell_wal_sync_rests_total", "counter",
                              help: "Pauses before a flush so that more commits share it (few writes arriving per flush time).",
                              value: syncs.rests, into: &text)
            MetricText.single("groundswell_wal_sync_rest_seconds_total", "counter", help: "Time spent in those pauses.",
                              value: Double(syncs.restNanos) / 1e9, into: &text)
        }
        MetricText.single("groundswell_log_dropped_lines_total", "counter", help: "Log lines dropped: the disk could not keep up, or they could not be written.",
                          value: droppedLogLines?() ?? 0, into: &text)
        MetricText.single("groundswell_event_streams", "gauge", help: "Server-sent event streams open now.", value: live.streamCount, into: &text)
        MetricText.single("groundswell_event_states_superseded_total", "counter",
                          help: "Event stream states never sent because a newer state replaced them before a slow client read them.",
                          value: live.supersededCount, into: &text)
        if let knownVotes {
            MetricText.single("groundswell_votes_refused_from_memory_total", "counter",
                              help: "Repeated votes answered 409 already_voted without the writer (SQLite).",
                              value: knownVotes.refusals, into: &text)
            MetricText.single("groundswell_known_repeat_votes", "gauge",
                              help: "Customer and idea pairs whose repeated votes are refused without the writer (SQLite).",
                              value: knownVotes.count, into: &text)
        }
        if let votePrefetch {
            MetricText.single("groundswell_vote_prefetch_reads_total", "counter",
                              help: "Votes whose pages were read ahead of the writer (SQLite, large files).",
                              value: votePrefetch.read.load(ordering: .relaxed), into: &text)
            MetricText.single("groundswell_vote_prefetch_dropped_total", "counter",
                              help: "Votes not read ahead because the prefetch queue was full.",
                              value: votePrefetch.dropped.load(ordering: .relaxed), into: &text)
        }
        if let ideas = ideaCache?.statistics {
            MetricText.single("groundswell_idea_cache_ideas", "gauge", help: "Ideas whose JSON is kept between commits (SQLite).",
                              value: ideas.ideas, into: &text)
            MetricText.single("groundswell_idea_cache_bytes", "gauge", help: "Bytes those take.", value: ideas.bytes, into: &text)
            MetricText.single("groundswell_idea_cache_hits_total", "counter", help: "Ideas served from that cache.", value: ideas.hits,
                              into: &text)
            MetricText.single("groundswell_idea_cache_misses_total", "counter", help: "Ideas read from the database instead.",
                              value: ideas.misses, into: &text)
        }
        rollupStats.render(readerLog: readerLog, into: &text)
        engagement.render(into: &text)
        let pending = (try? read { db in
            [DeliveryMetrics.Channel.webhook: try WebhookStore.pendingCount(db), .email: try EmailStore.pendingCount(db)]
        }) ?? [:]
        delivery.metrics.render(pending: pending, into: &text)
        return text
    }

    /// The integer id in path parameter `name`; anything else is a 404 for `what`.
    public func pathID(_ request: Request, _ name: String = "id", what: String) throws -> Int64 {
        guard let text = request.parameters[name], let id = Int64(text), id > 0,
              text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            throw APIError.notFound(what)
        }
        return id
    }
}

extension Response {
    /// A JSON response from a writer.
    static func json(_ status: HTTPStatus, _ writer: JSONWriter) -> Response {
        Response(status: status, body: writer.bytes)
    }

    /// Personal data: no shared or browser cache may keep it (`Cache-Control: no-store`).
    func personal() -> Response {
        var response = self
        response.headers.set("Cache-Control", "no-store")
        return response
    }

    /// A credential shown once: personal, and never stored for an idempotent replay.
    func secret() -> Response {
        var response = personal()
        response.carriesSecret = true
        return response
    }
}
