import JSON

/// An error meant for the client: status, a stable snake_case `code`, and a message.
/// Thrown anywhere below a handler and turned into the JSON error body in one place.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    public var status: HTTPStatus
    public var code: String
    public var message: String
    public var headers: HTTPHeaders
    /// Extra integer members of the error object, for machines (e.g. `merged_into`).
    public var fields: [(name: String, value: Int64)]
    /// For unexpected failures: the id also written in the server's log line, so a report
    /// from a client can be found there. Sent as `request_id` and `X-Request-Id`.
    public var requestID: String?

    public init(_ status: HTTPStatus, code: String, message: String, headers: HTTPHeaders = HTTPHeaders(),
                fields: [(name: String, value: Int64)] = []) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
        self.fields = fields
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    /// `{"error":{"code":"…","message":"…"}}`, plus any `fields`.
    public var response: Response {
        var body: [UInt8] = []
        body.reserveCapacity(48 + code.utf8.count + message.utf8.count)
        body.append(contentsOf: #"{"error":{"code":"#.utf8)
        JSONString.append(code, to: &body)
        body.append(contentsOf: #","message":"#.utf8)
        JSONString.append(message, to: &body)
        if let requestID {
            body.append(contentsOf: #","request_id":"#.utf8)
            JSONString.append(requestID, to: &body)
        }
        for field in fields {
            body.append(UInt8(ascii: ","))
            JSONString.append(field.name, to: &body)
            body.append(UInt8(ascii: ":"))
            body.append(contentsOf: String(field.value).utf8)
        }
        body.append(contentsOf: "}}".utf8)
        var headers = self.headers
        if let requestID { headers.add("X-Request-Id", requestID) }
        return Response(status: status, headers: headers, body: body)
    }

    public static func notFound(_ message: String = "no such resource") -> HTTPError {
        HTTPError(.notFound, code: "not_found", message: message)
    }

    public static func badRequest(_ message: String, code: String = "bad_request") -> HTTPError {
        HTTPError(.badRequest, code: code, message: message)
    }

    public static let internalError = HTTPError(.internalServerError, code: "internal_error",
                                                message: "the server failed to handle the request")
}
