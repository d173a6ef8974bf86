/// A complete response. The server adds `Date`, `Content-Length` and `Connection`;
/// the body is sent in the same write as the head.
public struct Response: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// Sent as `Content-Type` when the body is not empty (or the status allows one).
    public var contentType: String?
    /// The body carries a credential shown once (a new token): nothing may keep a copy of
    /// it, so the idempotency store records that the request happened but not the body.
    public var carriesSecret = false
    /// A body that streams (server-sent events): sent without `Content-Length`, the connection
    /// then carries nothing else and stays open until either side closes.
    public var stream: ResponseStream?

    public static let jsonContentType = "application/json; charset=utf-8"

    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [],
                contentType: String? = Response.jsonContentType) {
        self.status = status
        self.headers = headers
        self.body = body
        self.contentType = contentType
    }

    /// A JSON response from already-encoded bytes.
    public static func json(_ status: HTTPStatus = .ok, _ body: [UInt8], headers: HTTPHeaders = HTTPHeaders()) -> Response {
        Response(status: status, headers: headers, body: body)
    }
}
