/// A complete response. The server adds `Date`, `Content-Length` and `Connection`;
/// the body is sent in the same write as the head.
public struct Response: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// Sent as `Content-Type` when the body is not empty (or the status allows one).
    public var contentType: String?

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
