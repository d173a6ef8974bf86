import Glibc

#if canImport(Glibc)
#endif

/// Where "now" comes from. Rules that depend on time (windows, days, trending) read it
/// here, so tests can move time instead of sleeping.
public protocol Clock: Sendable {
    /// Milliseconds since the Unix epoch.
    func nowMillis() -> Int64
}
