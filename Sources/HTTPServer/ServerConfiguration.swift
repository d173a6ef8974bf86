/// Everything that shapes how the server listens, parses and times out.
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// Event loops (threads): one per core but one by default (`defaultLoopCount`).
    public var loopCount = ServerConfiguration.defaultLoopCount
    public var limits = ParserLimits()
    /// An idle keep-alive connection is closed after this many seconds.
    public var keepAliveTimeout = 75.0
    /// The whole request head must arrive within this many seconds of its first byte (else 408).
    public var headerTimeout = 10.0
    /// The whole request (head and body) must arrive within this many seconds of its first byte (else 408).
    public var requestTimeout = 30.0
    /// An upload (a body spooled to disk, `ParserLimits.spool`) must arrive within this many
    /// seconds of its first byte (else 408): 5 MiB in 120 s is a 350 kbit/s phone connection.
    public var uploadTimeout = 120.0
    /// A client that accepts no response bytes for this long is dropped.
    public var writeTimeout = 30.0
    /// How long a graceful shutdown waits for in-flight requests.
    public var shutdownGrace = 10.0
    /// Connections beyond this (or beyond the descriptor limit less a reserve) are answered
    /// `503 overloaded` and closed as soon as they are accepted.
    public var maxConnections = 100_000
    /// Open connections one client address may hold (IPv6: one /64); beyond it new ones are
    /// answered `429 too_many_connections` and closed. 0: no cap. Loopback is not exempt.
    public var maxConnectionsPerAddress = 1024
    /// A new connection must send its first byte within this many seconds, else it is closed.
    public var firstByteTimeout = 5.0
    /// All request bodies and unfinished request heads being received, together, may hold
    /// at most this many bytes; a request that would go beyond is answered `503 overloaded`.
    public var maxBufferedBytes = 128 << 20
    /// What the access log writes as `peer=`.
    public var accessLogAddresses: AccessLogAddresses = .plain
    /// Write one access-log line per request (at `info` level).
    public var accessLog = true
    /// Where access-log lines go as bytes; nil: through the server's `Logger`.
    public var accessLogSink: AccessLogSink?

    public init() {}

    /// The access log's `peer=` field: the address itself, a transformed form (the domain
    /// passes a keyed hash), or nothing. Worked out once per connection, not per request.
    public enum AccessLogAddresses: Sendable {
        case plain
        case off
        case transformed(@Sendable (String) -> String)
    }

    /// One event loop per core, leaving one core to the database writer thread and the
    /// kernel's network and disk work: on 2 cores, a second loop measured 14–24 % fewer votes
    /// per second (more threads than cores, more wake-ups per group commit) for 10–15 % more
    /// `/healthz` and the same `/ideas/{id}` rate (docs/performance.md).
    public static var defaultLoopCount: Int { max(1, coreCount - 1) }

    public static var coreCount: Int {
        #if canImport(Glibc)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 2
        #endif
    }
}

#if canImport(Glibc)
import Glibc
#endif
import CLinux
