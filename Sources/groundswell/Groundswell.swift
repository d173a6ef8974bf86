import ArgumentParser
import CLinux
import Foundation
import Groundswell
import HTTPServer
import Logging
import SQLiteStore
import PostgresStore
import Outbound
import Rules

@main
struct GroundswellCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "groundswell",
        abstract: "Groundswell: an idea-crowdsourcing service (ideas, votes, comments, funding rounds).",
        subcommands: [Serve.self, Migrate.self, Seed.self, Backup.self, Restore.self, MigrateStore.self],
        defaultSubcommand: Serve.self)
}

private let environment = ProcessInfo.processInfo.environment

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the HTTP server.")

    @Option(help: "Address to listen on (env GROUNDSWELL_HOST).")
    var host: String = environment["GROUNDSWELL_HOST"] ?? "127.0.0.1"

    @Option(help: "Port to listen on; 0 picks a free port (env GROUNDSWELL_PORT).")
    var port: Int = environment["GROUNDSWELL_PORT"].flatMap(Int.init) ?? 8080

    @Option(help: "SQLite database file, or postgres://user@host:port/name for PostgreSQL shared by several nodes (env GROUNDSWELL_DB).")
    var db: String = environment["GROUNDSWELL_DB"] ?? "./data/groundswell.sqlite"

    @Option(help: "Admin bearer token; if omitted, the first start generates and prints one (env GROUNDSWELL_ADMIN_TOKEN).")
    var adminToken: String? = environment["GROUNDSWELL_ADMIN_TOKEN"]

    @Option(help: "PostgreSQL only: connections this node opens for writing and reading (2 or more; one more listens); default 4 + loops + 2 (env GROUNDSWELL_DB_CONNECTIONS).")
    var dbConnections: Int? = environment["GROUNDSWELL_DB_CONNECTIONS"].flatMap(Int.init)

    @Option(help: "Largest request body in bytes (env GROUNDSWELL_MAX_BODY).")
    var maxBody: Int = environment["GROUNDSWELL_MAX_BODY"].flatMap(Int.init) ?? 1 << 20

    @Option(help: "Largest picture upload in bytes: the whole multipart request, written to disk as it arrives (env GROUNDSWELL_MAX_UPLOAD).")
    var maxUpload: Int = environment["GROUNDSWELL_MAX_UPLOAD"].flatMap(Int.init) ?? 5 << 20

    @Option(help: "Bytes of pictures one customer may keep, as stored (env GROUNDSWELL_MEDIA_QUOTA).")
    var mediaQuota: Int = environment["GROUNDSWELL_MEDIA_QUOTA"].flatMap(Int.init) ?? 50 << 20

    @Option(help: "Folder for picture files (default: media/ beside the database; env GROUNDSWELL_MEDIA_DIR).")
    var mediaDir: String? = environment["GROUNDSWELL_MEDIA_DIR"]

    @Option(help: "SQLite synchronous level: full (survives power loss) or normal (survives a crash) (env GROUNDSWELL_SYNC).")
    var sync: SyncMode = SyncMode(argument: environment["GROUNDSWELL_SYNC"] ?? "full") ?? .full

    @Option(help: "WAL pages (2 KiB in files this version creates, 4 KiB in older ones) that start a checkpoint into the database file: more pages, fewer bytes written per vote and a larger WAL file (about twice this many pages at its peak under a flood); SQLite's default is 1000 (env GROUNDSWELL_WAL_AUTOCHECKPOINT).")
    var walAutocheckpoint: Int = environment["GROUNDSWELL_WAL_AUTOCHECKPOINT"].flatMap(Int.init) ?? 300_000

    @Option(help: "MiB of WAL file kept once writes pause for 0.1 s: after a flood has grown it past this, the writer gives the rest back to the file system in 16 MiB steps, stopping whenever a write comes (with --checkpoints background). Default: one --wal-autocheckpoint window of frames, what the WAL reaches between checkpoints anyway (env GROUNDSWELL_WAL_KEEP_MIB).")
    var walKeepMib: Int? = environment["GROUNDSWELL_WAL_KEEP_MIB"].flatMap(Int.init)

    @Option(help: "Who copies the WAL into the database file every --wal-autocheckpoint pages: background (a thread of its own; the writer copies only the last few pages) or writer (SQLite's automatic checkpoint, inside the commit that crosses the window) (env GROUNDSWELL_CHECKPOINTS).")
    var checkpoints: CheckpointMode = CheckpointMode(argument: environment["GROUNDSWELL_CHECKPOINTS"] ?? "background") ?? .background

    @Option(help: "With --sync full, who waits for the fsync of each commit before its writes are answered: pipelined (a thread of its own, while the writer runs the next batch) or writer (SQLite, inside the commit) (env GROUNDSWELL_COMMIT_SYNC).")
    var commitSync: CommitSyncMode = CommitSyncMode(argument: environment["GROUNDSWELL_COMMIT_SYNC"] ?? "pipelined") ?? .pipelined

    @Option(help: "Event-loop threads (default on SQLite: one per core but one, at least one — the writer has the last core; on PostgreSQL: one per core, at least two — a read waits for its round trips on its loop).")
    var loops: Int?

    /// `--loops`, or its default for the engine.
    var eventLoops: Int {
        loops ?? (DatabaseLocation.postgresURL(db) != nil ? max(2, ServerConfiguration.coreCount) : ServerConfiguration.defaultLoopCount)
    }

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (env GROUNDSWELL_LOG_LEVEL).")
    var logLevel: String = environment["GROUNDSWELL_LOG_LEVEL"] ?? "info"

    @Option(help: "Access log, one line per request: on or off (env GROUNDSWELL_ACCESS_LOG).")
    var accessLog: Switch = Switch(argument: environment["GROUNDSWELL_ACCESS_LOG"] ?? "on") ?? .on

    @Option(help: "How the access log shows client addresses: hashed (the keyed hash fraud review uses), plain or off (env GROUNDSWELL_ACCESS_LOG_ADDRESSES).")
    var accessLogAddresses: LogAddresses = LogAddresses(argument: environment["GROUNDSWELL_ACCESS_LOG_ADDRESSES"] ?? "hashed") ?? .hashed

    @Option(help: "Rate limits (sign-ups, votes, writes, searches): on or off, e.g. for load tests and imports (env GROUNDSWELL_RATE_LIMIT).")
    var rateLimit: Switch = Switch(argument: environment["GROUNDSWELL_RATE_LIMIT"] ?? "on") ?? .on

    @Option(help: "Comma-separated addresses or CIDR blocks exempt from per-address limits, e.g. 10.0.0.0/8,::1 (env GROUNDSWELL_RATE_LIMIT_EXEMPT). None by default, loopback included.")
    var rateLimitExempt: String = environment["GROUNDSWELL_RATE_LIMIT_EXEMPT"] ?? ""

    @Option(help: "Open connections one client address (IPv6: one /64) may hold; 0 for no cap (env GROUNDSWELL_MAX_CONNECTIONS_PER_ADDRESS).")
    var maxConnectionsPerAddress: Int = environment["GROUNDSWELL_MAX_CONNECTIONS_PER_ADDRESS"].flatMap(Int.init) ?? 1024

    @Option(help: "Bytes all requests still being received may hold together before new ones get 503 (env GROUNDSWELL_MAX_BUFFERED_BYTES).")
    var maxBufferedBytes: Int = environment["GROUNDSWELL_MAX_BUFFERED_BYTES"].flatMap(Int.init) ?? 128 << 20

    @Option(help: "Server-sent event streams one client address may hold open (env GROUNDSWELL_MAX_STREAMS_PER_CLIENT).")
    var maxStreamsPerClient: Int = environment["GROUNDSWELL_MAX_STREAMS_PER_CLIENT"].flatMap(Int.init) ?? 32

    @Option(help: "Seconds a new connection may take to send its first byte (env GROUNDSWELL_FIRST_BYTE_TIMEOUT).")
    var firstByteTimeout: Double = environment["GROUNDSWELL_FIRST_BYTE_TIMEOUT"].flatMap(Double.init) ?? 5

    @Flag(help: "Take the client address from X-Forwarded-For (only behind your own proxy) (env GROUNDSWELL_TRUST_PROXY=1).")
    var trustProxy = ["1", "true", "on", "yes"].contains((environment["GROUNDSWELL_TRUST_PROXY"] ?? "").lowercased())

    @Option(help: "Days to keep hashed client addresses (env GROUNDSWELL_RETAIN_DAYS).")
    var retainDays: Int = environment["GROUNDSWELL_RETAIN_DAYS"].flatMap(Int.init) ?? 30

    @Option(help: "The site's public base URL, for links in email and one-click unsubscribe (default: the address it listens on) (env GROUNDSWELL_PUBLIC_URL).")
    var publicURL: String? = environment["GROUNDSWELL_PUBLIC_URL"]

    @Option(help: "SMTP server for email: smtp://host:port, smtp://user:pass@host:587?starttls=required or smtps://host:465; without it email is off (env GROUNDSWELL_SMTP_URL).")
    var smtpURL: String? = environment["GROUNDSWELL_SMTP_URL"]

    @Option(help: "Sender address of email (env GROUNDSWELL_MAIL_FROM).")
    var mailFrom: String = environment["GROUNDSWELL_MAIL_FROM"] ?? "groundswell@localhost"

    @Flag(help: "Skip TLS certificate checks of the SMTP server (test servers with self-signed certificates only).")
    var smtpInsecure = false

    @Flag(help: "Allow webhook destinations on private, loopback and link-local addresses (tests, on-premise) (env GROUNDSWELL_WEBHOOKS_ALLOW_PRIVATE=1).")
    var webhooksAllowPrivate = ["1", "true", "on", "yes"].contains((environment["GROUNDSWELL_WEBHOOKS_ALLOW_PRIVATE"] ?? "").lowercased())

    @Option(help: "Seconds between webhook retries, comma-separated (default 5,300,1800,7200,18000,36000,36000: 8 attempts over 27.6 h).")
    var webhookRetrySchedule: String?

    @Option(help: "Seconds between email retries, comma-separated (default 60,300,1800,7200,21600,43200,86400).")
    var emailRetrySchedule: String?

    @Option(help: "Seconds a webhook attempt may take, answer included.")
    var webhookTimeout: Double = 15

    @Option(help: "Seconds a daily digest collects before it is sent (default one day).")
    var digestInterval: Double = 86_400

    @Option(help: "Threads sending webhooks and email.")
    var deliveryThreads: Int = 4

    @Option(help: "Seconds between engagement rollups of new activity (0: only when a report is asked for).")
    var engagementRollupInterval: Double = 60

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
        guard maxBody > 0 else { throw ValidationError("--max-body must be positive") }
        guard (100...1_000_000).contains(walAutocheckpoint) else { throw ValidationError("--wal-autocheckpoint must be between 100 and 1000000 pages") }
        if let walKeepMib, !(0...1_000_000).contains(walKeepMib) { throw ValidationError("--wal-keep-mib must be between 0 and 1000000") }
        guard maxUpload > 0 else { throw ValidationError("--max-upload must be positive") }
        guard mediaQuota >= 0 else { throw ValidationError("--media-quota must not be negative") }
        guard Logger.Level(rawValue: logLevel.lowercased()) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
        guard eventLoops >= 1 && eventLoops <= 256 else { throw ValidationError("--loops must be 1...256") }
        guard (1...3650).contains(retainDays) else { throw ValidationError("--retain-days must be 1...3650") }
        guard maxStreamsPerClient >= 1 else { throw ValidationError("--max-streams-per-client must be at least 1") }
        guard maxConnectionsPerAddress >= 0 else { throw ValidationError("--max-connections-per-address must be 0 or more") }
        guard maxBufferedBytes >= 1 << 20 else { throw ValidationError("--max-buffered-bytes must be at least 1048576") }
        guard firstByteTimeout > 0 && firstByteTimeout <= 3600 else { throw ValidationError("--first-byte-timeout must be 0...3600 seconds") }
        if case .failure(let error) = AddressRange.parseList(rateLimitExempt) {
            throw ValidationError("--rate-limit-exempt: \(error)")
        }
        if let smtpURL { do { _ = try SMTPSender(url: smtpURL) } catch { throw ValidationError("\(error)") } }
        guard MailMessage.Mailbox(name: "", address: mailFrom).isSafe, mailFrom.contains("@") else {
            throw ValidationError("--mail-from must be an email address")
        }
        if let publicURL {
            guard let url = URLComponents(string: publicURL), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host?.isEmpty == false else {
                throw ValidationError("--public-url must be an http:// or https:// URL")
            }
        }
        for (name, text) in [("--webhook-retry-schedule", webhookRetrySchedule), ("--email-retry-schedule", emailRetrySchedule)] {
            if let text, RetrySchedule(parsing: text) == nil { throw ValidationError("\(name) must be positive seconds separated by commas") }
        }
        guard webhookTimeout > 0 && webhookTimeout <= 300 else { throw ValidationError("--webhook-timeout must be 0...300 seconds") }
        guard digestInterval >= 1 else { throw ValidationError("--digest-interval must be at least 1 second") }
        guard engagementRollupInterval >= 0 else { throw ValidationError("--engagement-rollup-interval must be 0 or more seconds") }
        guard (1...64).contains(deliveryThreads) else { throw ValidationError("--delivery-threads must be 1...64") }
    }

    func run() throws {
        // One malloc arena for every thread, unless MALLOC_ARENA_MAX says otherwise, set before any
        // thread starts. glibc gives each new thread that allocates an arena of its own, up to 8 a
        // core, and fixes that limit when it makes the first (a cap of two a core the HTTP server set
        // later never applied): the server made 15, each keeping the memory its thread freed. With one: ~3 MiB
        // less under votes, and the first engagement rollup after a flood peaked at 60.8 MiB
        // instead of 67.4 (docs/performance.md, session 36). Small allocations come from each
        // thread's cache without the arena's lock.
        if environment["MALLOC_ARENA_MAX"] == nil { _ = clinux_malloc_arenas(1) }
        let level = Logger.Level(rawValue: logLevel.lowercased()) ?? .info
        LoggingSystem.bootstrap { label in BufferedLogHandler(label: label, logLevel: level) }
        let logger = Logger(label: "groundswell")

        // Signals are taken by one waiting thread; block them before other threads start.
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &signals, nil)

        let postgresURL = DatabaseLocation.postgresURL(db)
        // On PostgreSQL this node's own files (address key, pictures by default) go under ./data.
        let localPath = postgresURL == nil ? db : "./data/groundswell"
        try Paths.ensureParentDirectory(of: localPath)
        var appConfiguration = AppConfiguration(databasePath: localPath)
        appConfiguration.postgresURL = postgresURL
        if let dbConnections {
            guard dbConnections >= 2 else { throw ValidationError("--db-connections must be 2 or more") }
            appConfiguration.postgresConnections = dbConnections
        }
        appConfiguration.adminToken = adminToken
        appConfiguration.synchronous = sync.rawValue.uppercased()
        appConfiguration.walAutocheckpoint = walAutocheckpoint
        appConfiguration.walKeepMiB = walKeepMib
        appConfiguration.backgroundCheckpoints = checkpoints == .background
        appConfiguration.pipelinedSync = commitSync == .pipelined
        appConfiguration.readerCount = eventLoops + 2
        appConfiguration.rateLimits.enabled = rateLimit == .on
        appConfiguration.rateLimits.exempt = (try? AddressRange.parseList(rateLimitExempt).get()) ?? []
        appConfiguration.trustProxy = trustProxy
        appConfiguration.retainDays = retainDays
        appConfiguration.environment = environment
        appConfiguration.droppedLogLines = { LogSink.shared.droppedLines }
        appConfiguration.maxStreamsPerClient = maxStreamsPerClient
        var delivery = DeliverySettings()
        if let smtpURL {
            var smtp = try SMTPSender(url: smtpURL)
            smtp.insecureTLS = smtpInsecure
            delivery.smtp = smtp
        }
        delivery.mailFrom = mailFrom
        delivery.allowPrivateWebhooks = webhooksAllowPrivate
        if let text = webhookRetrySchedule, let schedule = RetrySchedule(parsing: text) { delivery.webhookSchedule = schedule }
        if let text = emailRetrySchedule, let schedule = RetrySchedule(parsing: text) { delivery.emailSchedule = schedule }
        delivery.webhookTimeout = webhookTimeout
        delivery.digestIntervalMillis = Int64(digestInterval * 1000)
        delivery.threads = deliveryThreads
        if let publicURL { delivery.publicURL = publicURL }
        appConfiguration.delivery = delivery
        appConfiguration.engagementRollupInterval = engagementRollupInterval
        appConfiguration.media.directory = mediaDir
        appConfiguration.media.maxUpload = maxUpload
        appConfiguration.media.quotaBytes = Int64(mediaQuota)
        let app: GroundswellApp
        do {
            app = try GroundswellApp(configuration: appConfiguration, logger: logger)
        } catch let failure as Migrator.Failure {
            throw ValidationError("cannot open \(db): \(failure)")
        } catch let failure as PostgresError {
            throw ValidationError("cannot open \(DatabaseLocation.redacted(db)): \(failure)")
        } catch let failure as ConfigurationError {
            throw ValidationError("cannot start: \(failure)")
        }

        var serverConfiguration = ServerConfiguration()
        serverConfiguration.host = host
        serverConfiguration.port = port
        serverConfiguration.loopCount = eventLoops
        serverConfiguration.limits.maxBodyBytes = maxBody
        serverConfiguration.limits.spool = app.spoolPolicy
        serverConfiguration.accessLog = accessLog == .on
        serverConfiguration.accessLogSink = AccessLogWriter(label: logger.label)
        serverConfiguration.maxConnectionsPerAddress = maxConnectionsPerAddress
        serverConfiguration.maxBufferedBytes = maxBufferedBytes
        serverConfiguration.firstByteTimeout = firstByteTimeout
        switch accessLogAddresses {
        case .plain: serverConfiguration.accessLogAddresses = .plain
        case .off: serverConfiguration.accessLogAddresses = .off
        case .hashed: serverConfiguration.accessLogAddresses = .transformed { [app] in app.hashedPeer($0) }
        }
        let server = Server(configuration: serverConfiguration, responder: app.responder, logger: logger)
        server.observer = app.context.httpMetrics
        let boundPort = try server.start()
        let shownHost = host.contains(":") ? "[\(host)]" : host
        if publicURL == nil { app.setPublicURL("http://\(shownHost):\(boundPort)") }
        print("Groundswell listening on http://\(shownHost):\(boundPort)")
        if let token = app.generatedAdminToken {
            print("Admin token (shown once, only its hash is stored): \(token)")
        }
        fflush(nil)  // every stream; naming `stdout` is shared mutable state to Swift 6
        LogSink.shared.flush()

        var received: Int32 = 0
        sigwait(&signals, &received)
        logger.info("received signal \(received); shutting down")
        server.shutdown()
        app.close()
        logger.info("stopped cleanly")
        LogSink.shared.flush()
    }
}

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending schema migrations and exit.")

    @Option(help: "SQLite database file, or postgres://user@host:port/name (env GROUNDSWELL_DB).")
    var db: String = environment["GROUNDSWELL_DB"] ?? "./data/groundswell.sqlite"

    func run() throws {
        if let url = DatabaseLocation.postgresURL(db) {
            do {
                let applied = try PostgresMigrator.migrate(try PostgresConnection(url: url), EmbeddedPostgresMigrations.all,
                                                           now: Int64(Date().timeIntervalSince1970 * 1000))
                let name = DatabaseLocation.redacted(db)
                print(applied.isEmpty ? "\(name) is up to date" : "applied migrations \(applied.map(String.init).joined(separator: ", ")) to \(name)")
                return
            } catch let failure as PostgresError {
                throw ValidationError("cannot migrate \(DatabaseLocation.redacted(db)): \(failure)")
            }
        }
        try Paths.ensureParentDirectory(of: db)
        let connection = try Connection(path: db, options: GroundswellApp.connectionOptions())
        do {
            let applied = try Migrator(migrations: EmbeddedMigrations.all).migrate(connection) {
                Int64(Date().timeIntervalSince1970 * 1000)
            }
            print(applied.isEmpty ? "\(db) is up to date" : "applied migrations \(applied.map(String.init).joined(separator: ", ")) to \(db)")
        } catch let failure as Migrator.Failure {
            throw ValidationError("cannot migrate \(db): \(failure)")
        }
    }
}

struct MigrateStore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate-store",
        abstract: "Copy a Groundswell SQLite database into an empty PostgreSQL database and verify the copy.",
        discussion: """
            Reads the SQLite file in one read transaction (a running server may keep writing; the copy \
            is the database as of that moment), creates the PostgreSQL schema, copies every table in one \
            transaction, then compares each table's row count and checksum on both engines. Exits non-zero \
            unless every table matches. Pictures stay in the media folder.
            """)

    @Option(help: "The source: sqlite:PATH (or a path).")
    var from: String

    @Option(help: "The target: postgres://user@host:port/name (an empty database).")
    var to: String

    func validate() throws {
        guard to.hasPrefix("postgres://") || to.hasPrefix("postgresql://") else { throw ValidationError("--to must be a postgres:// URL") }
    }

    func run() throws {
        let path = from.hasPrefix("sqlite:") ? String(from.dropFirst("sqlite:".count)) : from
        guard FileManager.default.fileExists(atPath: path) else { throw ValidationError("no SQLite database at \(path)") }
        let reports: [StoreTransfer.TableReport]
        do {
            reports = try StoreTransfer.copy(sqlitePath: path, postgresURL: to, now: Int64(Date().timeIntervalSince1970 * 1000)) { print($0) }
        } catch let failure as StoreTransfer.Failure {
            throw ValidationError(failure.description)
        }
        for report in reports {
            print("\(report.matches ? "ok      " : "MISMATCH") \(report.table): \(report.rows) rows → \(report.copiedRows), checksum \(report.checksum)\(report.matches ? "" : " → \(report.copiedChecksum)")")
        }
        let bad = reports.filter { !$0.matches }
        guard bad.isEmpty else { throw ValidationError("\(bad.count) table(s) differ after the copy: \(bad.map(\.table).joined(separator: ", "))") }
        print("copied \(reports.count) tables, \(reports.reduce(0) { $0 + $1.rows }) rows; every count and checksum matches")
    }
}

struct Seed: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add demo or benchmark data: customers with known tokens and ideas.",
        discussion: "Customer N gets the token gsu_seed_N; --tokens-out writes them one per line. For load tests and demos, never production.")

    @Option(help: "SQLite database file (env GROUNDSWELL_DB).")
    var db: String = environment["GROUNDSWELL_DB"] ?? "./data/groundswell.sqlite"

    @Option(help: "Customers to add.")
    var users = 50_000

    @Option(help: "Ideas to add.")
    var ideas = 10_000

    @Option(help: "Write the new customers' tokens to this file, one per line.")
    var tokensOut: String?

    @Option(help: "Language of the ideas' text: en, ko (Korean, with particles as people write) or mixed.")
    var lang: SeedLanguage = .en

    @Option(help: "Votes to add, spread evenly over all ideas, from distinct random customers (benchmark data sets).")
    var votes = 0

    func validate() throws {
        guard users >= 0, ideas >= 0, users <= 10_000_000, ideas <= 10_000_000 else { throw ValidationError("counts must be 0...10,000,000") }
        guard users > 0 || ideas == 0 else { throw ValidationError("seeding ideas needs at least one user") }
        guard (0...100_000_000).contains(votes) else { throw ValidationError("--votes must be 0...100,000,000") }
    }

    func run() throws {
        if DatabaseLocation.postgresURL(db) != nil {
            throw ValidationError("seed works on a SQLite file: seed one, then move it with `groundswell migrate-store`")
        }
        try Paths.ensureParentDirectory(of: db)
        var logger = Logger(label: "groundswell-seed")
        logger.logLevel = .warning
        let app = try GroundswellApp(configuration: AppConfiguration(databasePath: db), logger: logger)
        defer { app.close() }
        let seeder = Seeder(app: app)
        // Refused before anything is written: votes go into a file without any, one vote per
        // customer per idea.
        if votes > 0 {
            if try seeder.hasVotes() {
                throw ValidationError("--votes needs a file without votes: \(db) has some (seed votes once, into a new file)")
            }
            guard let customers = try seeder.customersNeeded(forVotes: votes, addingUsers: users, addingIdeas: ideas) else {
                throw ValidationError("--votes needs ideas to vote for: add some with --ideas")
            }
            guard customers.needed <= customers.available else {
                throw ValidationError("--votes \(votes) needs at least \(customers.needed) customers (each idea's votes come from distinct customers); the file would have \(customers.available): raise --users or --ideas")
            }
        }
        let range = try seeder.seed(users: users, ideas: ideas, language: Seeder.Language(rawValue: lang.rawValue) ?? .en)
        if let tokensOut, let range {
            let lines = range.map { Seeder.token(forUser: Int($0)) }.joined(separator: "\n") + "\n"
            try lines.write(toFile: tokensOut, atomically: true, encoding: .utf8)
        }
        let votesWritten = try seeder.seedVotes(votes)
        try seeder.rollUpEngagement()
        print("seeded \(users) customers, \(ideas) ideas and \(votesWritten) votes into \(db)")
        if let token = app.generatedAdminToken { print("Admin token (shown once, only its hash is stored): \(token)") }
    }
}

struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the database to a file with SQLite's online backup (safe while the server runs).")

    @Option(help: "SQLite database file (env GROUNDSWELL_DB).")
    var db: String = environment["GROUNDSWELL_DB"] ?? "./data/groundswell.sqlite"

    @Option(help: "Backup file to write (must not exist); pictures go to OUT.media/.")
    var out: String

    @Option(help: "Folder of picture files (default: media/ beside the database; env GROUNDSWELL_MEDIA_DIR).")
    var mediaDir: String? = environment["GROUNDSWELL_MEDIA_DIR"]

    func run() throws {
        if DatabaseLocation.postgresURL(db) != nil {
            throw ValidationError("backup copies a SQLite file; back up PostgreSQL with pg_dump or pg_basebackup (docs/scaling.md)")
        }
        guard FileManager.default.fileExists(atPath: db) else { throw ValidationError("no database at \(db)") }
        guard !FileManager.default.fileExists(atPath: out) else { throw ValidationError("\(out) exists; choose a new file") }
        try Paths.ensureParentDirectory(of: out)
        let source = try Connection(path: db, options: GroundswellApp.connectionOptions())
        try source.backup(to: out)
        let check = try Connection(path: out, options: GroundswellApp.connectionOptions())
        let result = try check.queryOne("PRAGMA integrity_check") { $0.string(0) } ?? "?"
        guard result == "ok" else { throw ValidationError("the backup failed its integrity check: \(result)") }
        // The pictures the copied rows use (files are never changed in place, so copying
        // after the database is consistent: a file deleted since is simply reported).
        let media = try MediaBackup.copy(databasePath: out, from: mediaDir ?? MediaBackup.defaultDirectory(databasePath: db), to: out + ".media")
        print("backed up \(db) to \(out) and \(media.copied) picture files to \(out).media")
        if !media.missing.isEmpty { print("warning: \(media.missing.count) picture files were missing: \(media.missing.prefix(5).joined(separator: ", "))") }
    }
}

struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replace a database with a backup. Stop the server first.",
        discussion: "Checks the backup's integrity, keeps the current database as PATH.before-restore-<time>, then copies the backup into place.")

    @Option(help: "Backup file to restore from.")
    var from: String

    @Option(help: "SQLite database file to replace (env GROUNDSWELL_DB).")
    var db: String = environment["GROUNDSWELL_DB"] ?? "./data/groundswell.sqlite"

    @Option(help: "Folder of picture files (default: media/ beside the database; env GROUNDSWELL_MEDIA_DIR).")
    var mediaDir: String? = environment["GROUNDSWELL_MEDIA_DIR"]

    func run() throws {
        if DatabaseLocation.postgresURL(db) != nil {
            throw ValidationError("restore writes a SQLite file; restore PostgreSQL with pg_restore (docs/scaling.md)")
        }
        guard FileManager.default.fileExists(atPath: from) else { throw ValidationError("no backup at \(from)") }
        let backup = try Connection(path: from, options: GroundswellApp.connectionOptions())
        let result = try backup.queryOne("PRAGMA integrity_check") { $0.string(0) } ?? "?"
        guard result == "ok" else { throw ValidationError("\(from) fails its integrity check: \(result)") }
        try Paths.ensureParentDirectory(of: db)
        let manager = FileManager.default
        if manager.fileExists(atPath: db) {
            // Fold the WAL in, then keep the old database aside.
            try Connection(path: db, options: GroundswellApp.connectionOptions()).checkpoint()
            let aside = "\(db).before-restore-\(Int(Date().timeIntervalSince1970))"
            try manager.moveItem(atPath: db, toPath: aside)
            for suffix in ["-wal", "-shm"] where manager.fileExists(atPath: db + suffix) { try manager.removeItem(atPath: db + suffix) }
            print("kept the previous database as \(aside)")
        }
        try backup.backup(to: db)
        print("restored \(from) into \(db)")
        if FileManager.default.fileExists(atPath: from + ".media") {
            let media = try MediaBackup.copy(databasePath: db, from: from + ".media", to: mediaDir ?? MediaBackup.defaultDirectory(databasePath: db))
            print("restored \(media.copied) picture files")
        }
    }
}

/// `--sync`.
enum SyncMode: String, ExpressibleByArgument, CaseIterable {
    case full, normal
    init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

/// `serve --commit-sync`.
enum CommitSyncMode: String, ExpressibleByArgument, CaseIterable {
    case pipelined, writer
    init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

/// `serve --checkpoints`.
enum CheckpointMode: String, ExpressibleByArgument, CaseIterable {
    case background, writer
    init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

/// `seed --lang`.
enum SeedLanguage: String, ExpressibleByArgument, CaseIterable {
    case en, ko, mixed
}

/// `--access-log`, `--rate-limit`.
enum Switch: String, ExpressibleByArgument, CaseIterable {
    case on, off
    init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

/// `--access-log-addresses`.
enum LogAddresses: String, ExpressibleByArgument, CaseIterable {
    case hashed, plain, off
    init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

enum Paths {
    static func ensureParentDirectory(of path: String) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
    }
}
