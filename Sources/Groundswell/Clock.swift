#if canImport(Glibc)
import Glibc
#endif

/// Where "now" comes from. Rules that depend on time (windows, days, trending) read it
/// here, so tests can move time instead of sleeping.
public protocol Clock: Sendable {
    /// Milliseconds since the Unix epoch.
    func nowMillis() -> Int64
}

public struct SystemClock: Clock {
    public init() {}
    public func nowMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
