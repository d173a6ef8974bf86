/// Everything that shapes how the server listens, parses and times out.
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// Event loops (threads), one per core by default.
    public var loopCount = ServerConfiguration.coreCount
    public var limits = ParserLimits()
    /// An idle keep-alive connection is closed after this many seconds.
    public var keepAliveTimeout = 75.0
    /// The whole request head must arrive within this many seconds of its first byte (else 408).
    public var headerTimeout = 10.0
    /// The whole request (head and body) must arrive within this many seconds of its first byte (else 408).
    public var requestTimeout = 30.0
    /// A client that accepts no response bytes for this long is dropped.
    public var writeTimeout = 30.0
    /// How long a graceful shutdown waits for in-flight requests.
    public var shutdownGrace = 10.0
    /// Connections beyond this are closed as soon as they are accepted.
    public var maxConnections = 100_000
    /// Write one access-log line per request (at `info` level).
    public var accessLog = true

    public init() {}

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
