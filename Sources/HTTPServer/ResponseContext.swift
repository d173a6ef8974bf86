/// What writing a response needs of its request (framing and the access log). Kept instead of
/// the whole `Request` while a response is pending.
struct ResponseContext {
    var method: HTTPMethod
    var version: HTTPVersion
    var keepAlive: Bool
    var path: String
    var route: String?
    var startedAt: UInt64

    init(_ request: Request) {
        method = request.method
        version = request.version
        keepAlive = request.keepAlive
        path = request.path
        route = request.route
        startedAt = request.startedAt
    }

    private init(method: HTTPMethod, path: String) {
        self.method = method
        version = .http1_1
        keepAlive = false
        self.path = path
        route = nil
        startedAt = 0
    }

    /// For the error answer to bytes that did not parse as a request.
    static let unparsed = ResponseContext(method: .get, path: "-")
}
