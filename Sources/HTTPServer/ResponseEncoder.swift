import JSON

/// Serializes a response head and body into one buffer, so each response leaves in a
/// single `send` (a head-then-body pair of writes stalls on Nagle + delayed ACK).
enum ResponseEncoder {
    private static let statusLines: [Int: (status: HTTPStatus, line: [UInt8])] = {
        var table: [Int: (status: HTTPStatus, line: [UInt8])] = [:]
        for status in [HTTPStatus.ok, .created, .noContent, .badRequest, .unauthorized, .forbidden, .notFound,
                       .methodNotAllowed, .conflict, .payloadTooLarge, .tooManyRequests, .internalServerError] {
            table[status.code] = (status, Array("HTTP/1.1 \(status.code) \(status.reason)\r\n".utf8))
        }
        return table
    }()
    private static let contentTypeJSON = Array("Content-Type: application/json; charset=utf-8\r\n".utf8)
    private static let contentLengthPrefix = Array("Content-Length: ".utf8)
    /// On every response: no browser may guess a type other than the one declared.
    private static let noSniff = Array("X-Content-Type-Options: nosniff\r\n".utf8)
    private static let connectionClose = Array("Connection: close\r\n".utf8)
    private static let connectionKeepAlive = Array("Connection: keep-alive\r\n".utf8)
    static let continueResponse = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    enum ConnectionHeader { case none, close, keepAlive }

    static func encode(_ response: Response, date: [UInt8], connection: ConnectionHeader,
                       includeBody: Bool, into out: inout [UInt8]) {
        if let cached = statusLines[response.status.code], cached.status == response.status {
            out.append(contentsOf: cached.line)
        } else {
            out.append(contentsOf: "HTTP/1.1 \(response.status.code) \(response.status.reason)\r\n".utf8)
        }
        out.append(contentsOf: date)
        out.append(contentsOf: noSniff)
        let allowsBody = response.status.allowsBody
        if response.stream != nil {
            // A stream: its type, no length (the body ends when the connection does).
            if let type = response.contentType {
                out.append(contentsOf: "Content-Type: ".utf8)
                out.append(contentsOf: type.utf8)
                out.append(contentsOf: "\r\n".utf8)
            }
        } else if allowsBody {
            if let type = response.contentType {
                if type == Response.jsonContentType {
                    out.append(contentsOf: contentTypeJSON)
                } else {
                    out.append(contentsOf: "Content-Type: ".utf8)
                    out.append(contentsOf: type.utf8)
                    out.append(contentsOf: "\r\n".utf8)
                }
            }
            out.append(contentsOf: contentLengthPrefix)
            DecimalDigits.append(UInt64(response.body.count), to: &out)
            out.append(13); out.append(10)
        }
        switch connection {
        case .none: break
        case .close: out.append(contentsOf: connectionClose)
        case .keepAlive: out.append(contentsOf: connectionKeepAlive)
        }
        for field in response.headers {
            out.append(contentsOf: field.name.utf8)
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: field.value.utf8)
            out.append(13); out.append(10)
        }
        out.append(13); out.append(10)
        if includeBody && allowsBody && response.stream == nil { out.append(contentsOf: response.body) }
    }
}
