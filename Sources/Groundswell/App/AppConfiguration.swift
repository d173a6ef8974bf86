import Crypto
import HTTPServer
import Logging
import SQLiteStore

/// Settings the domain needs (the executable fills them from flags and environment).
public struct AppConfiguration: Sendable {
    public var databasePath: String
    /// When set, the database is PostgreSQL at this `postgres://` URL, shared by every node
    /// (issue 19), and `databasePath` only says where this node's own files go (the address key
    /// file, and pictures unless `media.directory` is set).
    public var postgresURL: String?
    /// PostgreSQL: connections this node opens for its writers and readers together (one more
    /// listens); nil: 4 writers and `readerCount` readers. Size them so that every node's fit in
    /// the server's `max_connections`.
    public var postgresConnections: Int?
    /// The admin token to accept; if nil and no admin exists yet, one is generated.
    public var adminToken: String?
    public var readerCount = 4
    /// `FULL` (default): an acknowledged write survives power loss. `NORMAL`: it survives
    /// a process crash, and may lose the last commits on power loss.
    public var synchronous = "FULL"
    /// WAL pages that start a checkpoint into the database file (`--wal-autocheckpoint`). More
    /// pages: fewer bytes written per random vote (a page dirtied again is copied once), a larger
    /// WAL file (docs/performance.md has the trade-off measured). 300,000 2 KiB pages, ~600 MB
    /// (1.2 GB for a file made with 4 KiB pages): each pass's burst of random page writes slows
    /// every WAL flush queued behind it, so fewer, rarer passes shorten the votes' tail (session 23).
    public var walAutocheckpoint = 300_000
    /// MiB of WAL file kept once writes pause (`--wal-keep-mib`; nil: one checkpoint window of
    /// frames, what the WAL reaches between passes anyway): after a flood the writer gives the rest
    /// back (`WALShrinking`).
    public var walKeepMiB: Int?
    /// Those checkpoints run on a thread of their own (`--checkpoints background`), so no
    /// commit waits for thousands of pages to be copied; false: inside the commit, as SQLite does.
    public var backgroundCheckpoints = true
    /// With `FULL`: each commit's fsync runs on a thread of its own while the writer runs the
    /// next batch, and the commit's writes are answered after it (`--commit-sync pipelined`);
    /// false: inside the commit, as SQLite does.
    public var pipelinedSync = true
    /// SQLite: from this file size at start-up, a vote's pages are read ahead of the writer on
    /// threads of their own (`VotePrefetch`): files this large do not stay in the page cache
    /// (the 10,000-idea bench file, ~50 MB, does; the 1,000,000-idea one, ~2.2 GB, does not).
    public var votePrefetchMinimumBytes: Int64 = 1 << 30
    public var clock: Clock = SystemClock()
    /// Seconds between scheduler passes (closing rounds, drawing lotteries); nil: no thread.
    public var schedulerInterval: Double? = 1.0
    /// Seconds between engagement rollups of new votes, comments, ideas and page views (a report
    /// takes in what is pending first, so it is always current); 0: only when a report is asked for
    /// (`--engagement-rollup-interval`).
    public var engagementRollupInterval: Double = 60
    public var rateLimits = RateLimits()
    /// Take the client address from X-Forwarded-For (set only behind your own proxy).
    public var trustProxy = false
    /// Days to keep hashed client addresses of votes and sign-ups (and the address key).
    public var retainDays = 30
    /// Server-sent event streams one client address may hold open (`--max-streams-per-client`).
    public var maxStreamsPerClient = 32
    /// How many log lines the process's log has dropped so far (for /metrics), if it drops any.
    public var droppedLogLines: (@Sendable () -> Int)?
    /// Where the address key comes from: the environment (`GROUNDSWELL_ADDRESS_KEY`) if
    /// set there, else the key file beside the database.
    public var environment: [String: String] = [:]
    /// Email, webhooks and their retries.
    public var delivery = DeliverySettings()
    /// Pictures on ideas: where they live, the upload limit, the per-customer quota.
    public var media = MediaSettings()

    public init(databasePath: String) {
        self.databasePath = databasePath
    }
}
