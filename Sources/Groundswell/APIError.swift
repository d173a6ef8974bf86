import HTTPServer

/// The domain's error codes, each with its status. Every code here is part of the API
/// contract (docs/api.md lists them); handlers throw these and the server renders them.
public enum APIError {
    public static func invalid(_ message: String) -> HTTPError {
        HTTPError(.badRequest, code: "invalid_request", message: message)
    }

    /// RFC 9110 §11.6.1: a 401 names the scheme and realm to use.
    public static let unauthorized = HTTPError(.unauthorized, code: "unauthorized",
                                               message: "a valid 'Authorization: Bearer TOKEN' header is required",
                                               headers: HTTPHeaders([("WWW-Authenticate", #"Bearer realm="groundswell""#)]))

    public static func forbidden(_ message: String) -> HTTPError {
        HTTPError(.forbidden, code: "forbidden", message: message)
    }

    public static func notFound(_ what: String) -> HTTPError {
        HTTPError(.notFound, code: "not_found", message: "\(what) not found")
    }

    public static func conflict(_ code: String, _ message: String) -> HTTPError {
        HTTPError(.conflict, code: code, message: message)
    }

    public static let banned = HTTPError(.forbidden, code: "banned", message: "this account has been banned")

    public static let emailTaken = HTTPError(.conflict, code: "email_taken", message: "an account with this email already exists")
    public static let alreadyVoted = HTTPError(.conflict, code: "already_voted", message: "you have already voted for this idea")
    public static let voteNotFound = HTTPError(.notFound, code: "vote_not_found", message: "you have not voted for this idea")

    public static func voteLimit(limit: Int64, retryAfter seconds: Int64) -> HTTPError {
        var headers = HTTPHeaders()
        headers.add("Retry-After", String(seconds))
        return HTTPError(.tooManyRequests, code: "vote_limit",
                         message: "you have used your \(limit) votes for today in this round; more in \(seconds) s", headers: headers)
    }

    /// Votes and comments go to the idea a duplicate was merged into, never to the duplicate.
    public static func merged(_ id: Int64, into target: Int64) -> HTTPError {
        HTTPError(.conflict, code: "idea_merged",
                  message: "idea \(id) was merged into idea \(target); vote and comment there",
                  fields: [(name: "merged_into", value: target)])
    }

    /// Too much costly work is queued (searches); the client should retry shortly.
    public static let busy = HTTPError(.serviceUnavailable, code: "overloaded",
                                       message: "the server is busy with other searches; retry shortly",
                                       headers: HTTPHeaders([("Retry-After", "1")]))

    /// Something failed that the client could not have caused; the log has the details.
    public static let unexpected = HTTPError(.internalServerError, code: "internal_error",
                                             message: "the server failed to handle the request")

    public static let storageFailure = HTTPError(.serviceUnavailable, code: "storage_unavailable",
                                                 message: "the database could not complete the request; try again",
                                                 headers: HTTPHeaders([("Retry-After", "1")]))
}
