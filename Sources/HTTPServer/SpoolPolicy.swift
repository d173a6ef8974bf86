/// Requests whose bodies are written to a file as they arrive instead of held in memory:
/// uploads, which may be many times the ordinary body limit. The server never holds more
/// than one read buffer of such a body, whatever its size.
public struct SpoolPolicy: Sendable {
    /// Where bodies are written while they arrive (one file per request, removed when the
    /// request is done with, or when the connection fails mid-body).
    public var directory: String
    /// Largest body accepted on these routes; a larger `Content-Length` is answered `413`
    /// before any of the body is read, a chunked body as soon as it passes the limit.
    public var maxBytes: Int
    /// Whether a request (by method and still-encoded path) is one of these.
    public var matches: @Sendable (HTTPMethod, String) -> Bool

    public init(directory: String, maxBytes: Int, matches: @escaping @Sendable (HTTPMethod, String) -> Bool) {
        self.directory = directory
        self.maxBytes = maxBytes
        self.matches = matches
    }
}
