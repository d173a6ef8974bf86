/// Size limits enforced while parsing, so no client can make the server buffer without bound.
public struct ParserLimits: Sendable {
    /// Longest request line (method, target, version) before 414.
    public var maxRequestLine = 8 * 1024
    /// Largest header block (request line included) before 431.
    public var maxHeaderBytes = 32 * 1024
    /// Most header fields before 431.
    public var maxHeaderCount = 100
    /// Largest body (after de-chunking) before 413.
    public var maxBodyBytes = 1 << 20
    /// Longest chunk-size line (with extensions) before 400.
    public var maxChunkLine = 1024
    /// Largest trailer section before 431.
    public var maxTrailerBytes = 8 * 1024

    /// Routes whose bodies go to disk, with their own, larger limit (uploads); nil: none.
    public var spool: SpoolPolicy?

    public init() {}
}
