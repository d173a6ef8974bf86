import Crypto
import HTTPServer
import Logging
import SQLiteStore
import Storage

/// The Groundswell service: its database and its routes, ready to hand to a `Server`.
/// `@unchecked Sendable`: `responder`, `rateLimits` and `generatedAdminToken` are set in `init`
/// and only read afterwards.
public final class GroundswellApp: @unchecked Sendable {
    public let context: AppContext
    public let router = Router()
    /// What to hand to the server: the router behind the staff gate for `/admin/`.
    public private(set) var responder: HTTPResponder!
    /// Set when this start generated the admin token (print it once, it is not stored).
    public private(set) var generatedAdminToken: String?
    let scheduler: RoundScheduler
    /// The rate limits' buckets (tests look at how many are kept).
    private(set) var rateLimits: RateLimitMiddleware!

    public init(configuration: AppConfiguration, logger: Logger) throws {
        // Relevance rankings read each idea's length from memory (SQLite; loaded after start).
        let docLengths = FullTextDocLengths()
        var options = GroundswellApp.connectionOptions(synchronous: configuration.synchronous, lengths: docLengths)
        options.walAutocheckpoint = configuration.walAutocheckpoint
        let clock = configuration.clock
        let database: SQLDatabase
        if let url = configuration.postgresURL {
            // Of N connections, half write (at most 4: PostgreSQL groups their commits), the rest read.
            let total = configuration.postgresConnections ?? (4 + configuration.readerCount)
            let writers = max(1, min(4, total / 2))
            database = try SQLDatabase(postgresURL: url, migrations: EmbeddedPostgresMigrations.all,
                                       readers: max(1, total - writers), writers: writers, now: { clock.nowMillis() })
            // Search: ideas whose text or visibility changed are indexed with our tokenizer
            // before each commit (SQLite's FTS5 triggers do this in the file).
            database.writer.beforeEveryCommit { db in try PostgresSearch.indexQueued(db) }
        } else {
            database = try SQLDatabase(sqlitePath: configuration.databasePath, migrations: EmbeddedMigrations.all,
                                       readers: configuration.readerCount, options: options,
                                       backgroundCheckpoints: configuration.backgroundCheckpoints,
                                       pipelinedSync: configuration.pipelinedSync,
                                       walShrinking: WALShrinking(keepBytes: configuration.walKeepMiB.map { $0 << 20 }),
                                       now: { clock.nowMillis() })
        }
        let keys = try AddressKeyring(databasePath: configuration.databasePath, environment: configuration.environment,
                                      retainDays: configuration.retainDays, now: clock.nowMillis(), database: database)
        let client = ClientAddress(trustProxy: configuration.trustProxy, key: keys.current.bytes)
        let media = try MediaLibrary(settings: configuration.media, databasePath: configuration.databasePath, logger: logger)
        // On PostgreSQL the picture folder is shared with other nodes, whose uploads may be
        // between their file and their commit right now: no sweep there.
        let orphans = database.engine == .sqlite ? try database.read { db in try media.sweep(db) } : 0
        if orphans > 0 { logger.notice("removed \(orphans) picture files no idea uses (uploads interrupted before their commit)") }
        // Built before the writer reports changed ideas to it (nothing else writes during
        // start-up), on the writer's connection: the pages it reads are the ones votes change, so
        // they warm the writer's cache instead of filling a reader's.
        let ranking = database.engine == .sqlite ? try database.writer.sync { db in try IdeaRanking(db) } : nil
        let ideaCache = database.engine == .sqlite ? IdeaCache() : nil
        let knownVotes = database.engine == .sqlite ? KnownVotes() : nil
        let listings = database.engine == .sqlite ? ListingChanges() : nil
        // What commits did to what kept idea pages show; nil: they end at every commit.
        let pageChanges = listings == nil ? nil : try IdeaPageTables.changeLog(database.writer, logger: logger)
        if let ranking, let ideaCache, let listings {
            let writer = database.writer
            let logs = [listings] + (pageChanges.map { [$0] } ?? [])
            // Row hooks run before the commit count moves past their commit: this one is count + 1.
            let changes = IdeaRankingStore.Changes()
            try writer.onCommittedRows(of: "ideas", columns: IdeaRankingStore.Changes.columns, recorder: changes) { db, ids, recorded in
                let commit = writer.commitCount + 1
                ideaCache.forget(ideas: ids, changedAt: commit)
                // Hidden, merged, commented on, moved by a round's close: a repeat is the writer's to answer again.
                knownVotes?.forget(ideas: ids.lazy.filter { !(recorded && changes.votedOnly($0)) })
                // Votes alone leave the list pages that neither show nor gain their ideas; their keys
                // before the commit are the board's, read before it moves them.
                let moves = recorded ? ids.compactMap { id -> ListingChanges.Move? in
                    guard changes.votedOnly(id), let written = changes.ideas[id] ?? nil, let old = ranking.idea(id) else { return nil }
                    return ListingChanges.Move(id: id, oldVotes: old.votes, oldTrend: old.trend, votes: written.votes, trend: written.trend)
                } : []
                for log in logs {
                    if moves.count == ids.count { log.votes(moves, commit: commit) } else { log.structural(commit: commit) }
                }
                do {
                    try ranking.refresh(db, ids: ids, images: recorded ? changes.ideas : [:])
                } catch {
                    // The rows were committed; only reading them back failed (the disk is failing).
                    // Listings would show the old order until the next change of those ideas.
                    logger.error("could not read back \(ids.count) changed ideas for the listings' order: \(error)")
                }
            }
            // An award is part of its idea's JSON (awards change only when a round closes).
            try writer.onCommittedRows(of: "awards") { _, _ in
                ideaCache.forgetAll(changedAt: writer.commitCount + 1)
                listings.structural(commit: writer.commitCount + 1)
            }
            // A vote retracted, voided or moved by a merge (each also recounts its idea's row, which
            // forgets that idea's pairs above; this is the second guard). Updates only scrub addresses.
            try writer.onCommit(changing: ["votes"], operations: [.delete]) { knownVotes?.forgetAll() }
        }
        if database.engine == .sqlite {
            let writer = database.writer
            // Stamped inside the transaction, before any snapshot can see the new lengths; the
            // lengths themselves are read back once committed, before the commit count moves.
            try writer.onCommittedRows(of: SearchRanking.docsizeTable, beforeCommit: { docLengths.stamp(writer.commitCount + 1) }) { db, ids in
                listings?.structural(commit: writer.commitCount + 1)
                do {
                    try docLengths.refresh(db.sqlite!, docsizeTable: SearchRanking.docsizeTable, rowids: ids)
                } catch {
                    docLengths.invalidate()
                    logger.error("could not read back \(ids.count) search document lengths; rankings read them from the index: \(error)")
                }
            }
        }
        context = AppContext(database: database, clock: clock, logger: logger, client: client, retainDays: configuration.retainDays,
                             addressKeys: keys, droppedLogLines: configuration.droppedLogLines,
                             maxStreamsPerClient: configuration.maxStreamsPerClient, delivery: configuration.delivery, media: media,
                             ranking: ranking, ideaCache: ideaCache, knownVotes: knownVotes, listingChanges: listings,
                             webPageChanges: pageChanges, docLengths: database.engine == .sqlite ? docLengths : nil,
                             votePrefetch: database.engine == .sqlite
                                && VotePrefetch.pays(forFileAt: configuration.databasePath, minimumBytes: configuration.votePrefetchMinimumBytes)
                                ? VotePrefetch(database: database) : nil)
        // Deleted rows are overwritten where that costs no extra I/O (erasure turns it fully on).
        if database.engine == .sqlite { try database.writer.sync { db in try db.execute("PRAGMA secure_delete = FAST") } }
        // The one cache rule: a cache is emptied by the writer after the commit that changed
        // what it holds, before any request of that commit is answered (SQLite's update hook
        // sees trigger writes too). Pages follow the commit count instead (PageCache).
        // SQLite: the customers whose rows changed are dropped (this process is the only writer);
        // PostgreSQL: any change, on any node, empties the account cache.
        if database.engine == .sqlite {
            try database.writer.onCommittedRows(of: "users") { [accounts = context.accounts, writer = database.writer] _, ids in
                accounts.forget(users: ids)
                // An author's name is part of each of their ideas.
                ideaCache?.forget(authors: ids, changedAt: writer.commitCount + 1)
                listings?.structural(commit: writer.commitCount + 1)
            }
            AccountPreloader.start(path: configuration.databasePath, accounts: context.accounts, logger: logger)
        } else {
            try database.writer.onCommit(changing: ["users"], operations: [.update, .delete]) { [accounts = context.accounts] in
                accounts.invalidate()
            }
        }
        // Rankings change when searchable text or visibility changes (the index's rows, kept
        // by triggers) or a status does (every status change writes its history row).
        try database.writer.onCommit(changing: ["ideas_fts_docsize", "ideas_search", "idea_status_history"],
                                     operations: [.insert, .update, .delete]) { [search = context.searchCache] in
            search.invalidate()
        }
        SearchRanking.loadLengths(context)
        // Live streams show other nodes' votes too (PostgreSQL).
        database.writer.onRemoteCommit { [live = context.live] in live.recheckAll() }
        // The outbox: a commit that queued a webhook delivery or a notification (an email to
        // be) wakes the delivery worker.
        try database.writer.onCommit(changing: ["webhook_deliveries", "notifications"], operations: [.insert, .update]) {
            [delivery = context.delivery] in delivery.wake()
        }
        scheduler = RoundScheduler(context: context, interval: configuration.schedulerInterval ?? 1,
                                   rollupInterval: configuration.engagementRollupInterval)
        generatedAdminToken = try bootstrapAdmin(token: configuration.adminToken)
        registerRoutes(limits: configuration.rateLimits)
        if configuration.schedulerInterval != nil {
            // Rounds due while the server was down are settled before it serves; the purge and the
            // engagement rollup (seconds on a large file) follow on the scheduler's thread.
            scheduler.catchUpRounds(now: context.clock.nowMillis())
            scheduler.start()
        } else {
            scheduler.runOnce()
        }
        context.delivery.start()
    }

    private func registerRoutes(limits: RateLimits) {
        let auth = Authenticator(context: context)
        let rateLimits = RateLimitMiddleware(limits: limits, clock: context.clock, client: context.client, auth: auth,
                                             nodes: { [database = context.database] in database.nodeCount })
        self.rateLimits = rateLimits
        router.use(rateLimits)
        router.use(IdempotencyMiddleware(context: context, auth: auth))
        responder = AdminGate(router: router, auth: auth, context: context)
        let health = Response.json(.ok, Array(#"{"status":"ok"}"#.utf8))
        router.get("/healthz") { _ in .response(health) }
        let api = WebAPI(ideas: IdeaRoutes(context: context, auth: auth, searchCache: context.searchCache, searchLimiter: rateLimits),
                         votes: VoteRoutes(context: context, auth: auth),
                         comments: CommentRoutes(context: context, auth: auth),
                         rounds: RoundRoutes(context: context, auth: auth),
                         sessions: SessionRoutes(context: context, auth: auth),
                         users: UserRoutes(context: context, auth: auth),
                         personal: PersonalDataRoutes(context: context, auth: auth),
                         notifications: NotificationRoutes(context: context, auth: auth),
                         campaigns: CampaignRoutes(context: context, auth: auth),
                         links: IdeaLinkRoutes(context: context, auth: auth),
                         media: MediaRoutes(context: context, auth: auth))
        api.users.register(on: router)
        api.ideas.register(on: router)
        api.votes.register(on: router)
        api.comments.register(on: router)
        api.rounds.register(on: router)
        let console = ConsoleAPI(moderation: ModerationRoutes(context: context, auth: auth), comments: api.comments, rounds: api.rounds,
                                 admin: AdminRoutes(context: context, auth: auth), fraud: FraudRoutes(context: context, auth: auth),
                                 webhooks: WebhookRoutes(context: context, auth: auth), media: api.media)
        console.moderation.register(on: router)
        console.admin.register(on: router)
        api.personal.register(on: router)
        console.fraud.register(on: router)
        api.notifications.register(on: router)
        LiveRoutes(context: context, auth: auth).register(on: router)
        console.webhooks.register(on: router)
        EngagementRoutes(context: context, auth: auth).register(on: router)
        api.campaigns.register(on: router)
        api.links.register(on: router)
        api.media.register(on: router)
        UnsubscribeRoutes(context: context).register(on: router)
        api.sessions.register(on: router)
        // The web site last: its pages share some API URLs (`/ideas/{id}`, `/rounds`), chosen by `Accept`.
        let web = WebRoutes(context: context, api: api)
        web.register(on: router)
        ConsoleRoutes(web: web.web, auth: auth, api: console).register(on: router)
    }

    /// Makes sure an admin can sign in: the given token becomes the first admin's, or a
    /// new one is generated when there is no admin yet. Only the hash is stored.
    private func bootstrapAdmin(token: String?) throws -> String? {
        let now = context.clock.nowMillis()
        return try context.database.writer.sync { db -> String? in try StaffStore.bootstrapAdmin(db, token: token, at: now) }
    }

    /// The access log's name for a peer when addresses are hashed: the same keyed hash the
    /// database keeps, so log lines and fraud evidence can be matched without addresses.
    public func hashedPeer(_ address: String) -> String { context.client.hash(address) }

    /// How every connection to a Groundswell database is opened: with the search tokenizer
    /// registered (the index and its migrations need it) and the ranking function (reading
    /// `lengths`; tools that open the file use it too, with a table that is never loaded).
    public static func connectionOptions(synchronous: String = "FULL",
                                         lengths: FullTextDocLengths = FullTextDocLengths()) -> Connection.Options {
        var options = Connection.Options()
        options.synchronous = synchronous
        // 2 KiB pages for new files: a random vote rewrites three B-tree pages in different
        // places (its two indexes, the idea's row), so its WAL frames and each commit's flush are
        // half as large as with 4 KiB; +5-15 % random votes, reads unchanged (docs/performance.md,
        // session 16). 1 KiB gained a little more but slowed start-up and cold searches at 1M ideas.
        options.pageSize = 2_048
        options.tokenizers = [SearchTokenizer.registered]
        options.rankings = [RegisteredRanking(name: SearchRanking.function, lengths: lengths)]
        return options
    }

    /// What the server must write to disk instead of memory: upload bodies, to `--max-upload`.
    /// Set it as `ServerConfiguration.limits.spool`.
    public var spoolPolicy: SpoolPolicy { context.media.spoolPolicy() }

    /// Closes due rounds and draws due lotteries now (the scheduler does this every second).
    public func runScheduledWork() { scheduler.runOnce() }

    /// The base URL of links in email and of unsubscribe links (`--public-url`, or the
    /// address the server listens on).
    public func setPublicURL(_ url: String) { context.delivery.setPublicURL(url) }

    /// Purges expired address hashes and idempotency keys now (the scheduler does this every minute).
    public func purgeExpiredData() { scheduler.purge(now: context.clock.nowMillis()) }

    /// Finishes queued writes and closes the database.
    public func close() {
        scheduler.stop()
        context.delivery.stop()
        context.backgroundReads.stop()
        context.pageRenders.stop()
        context.engagement.stop()
        context.passwordWork.stop()
        context.votePrefetch?.stop()
        context.media.stop()
        context.live.stop()
        context.database.close()
        let stats = context.database.writer.statistics
        if stats.batches > 0 {
            let average = Double(stats.jobs) / Double(stats.batches)
            context.logger.info("writer: \(stats.jobs) writes in \(stats.batches) commits (\((average * 10).rounded() / 10) per commit), \(stats.replays) replayed")
        }
    }
}
