import Foundation
import HTTPServer
import Logging
import SQLiteStore
import Storage

/// The errors handlers throw, built from `ErrorCode` (the one list of codes and statuses).
/// `APIError.response(for:)` is the one place any error becomes a response.
public enum APIError {
    public static func invalid(_ message: String) -> HTTPError {
        ErrorCode.invalidRequest.error(message)
    }

    /// RFC 9110 §11.6.1: a 401 names the scheme and realm to use.
    public static let unauthorized = ErrorCode.unauthorized.error("a valid 'Authorization: Bearer TOKEN' header is required",
                                               headers: HTTPHeaders([("WWW-Authenticate", #"Bearer realm="groundswell""#)]))

    public static func forbidden(_ message: String) -> HTTPError {
        ErrorCode.forbidden.error(message)
    }

    public static func notFound(_ what: String) -> HTTPError {
        ErrorCode.notFound.error("\(what) not found")
    }

    public static func conflict(_ code: ErrorCode, _ message: String) -> HTTPError {
        code.error(message)
    }

    public static let banned = ErrorCode.banned.error("this account has been banned")

    public static let emailTaken = ErrorCode.emailTaken.error("an account with this email already exists")
    /// One vote per idea (outside rounds), or per idea and day (in a round).
    public static func alreadyVoted(today: Bool = false) -> HTTPError {
        ErrorCode.alreadyVoted.error(today ? "you have already voted for this idea today; come back tomorrow"
                                           : "you have already voted for this idea")
    }
    public static let voteNotFound = ErrorCode.voteNotFound.error("you have not voted for this idea")

    public static func voteLimit(limit: Int64, retryAfter seconds: Int64) -> HTTPError {
        var headers = HTTPHeaders()
        headers.add("Retry-After", String(seconds))
        return ErrorCode.voteLimit.error("you have used your \(limit) votes for today in this round; more in \(seconds) s", headers: headers)
    }

    /// Votes and comments go to the idea a duplicate was merged into, never to the duplicate.
    public static func merged(_ id: Int64, into target: Int64) -> HTTPError {
        ErrorCode.ideaMerged.error("idea \(id) was merged into idea \(target); vote and comment there",
                  fields: [(name: "merged_into", value: target)])
    }

    /// Too much costly work is queued (searches); the client should retry shortly.
    public static let busy = ErrorCode.overloaded.error("the server is busy with other searches; retry shortly",
                                       headers: HTTPHeaders([("Retry-After", "1")]))

    /// Something failed that the client could not have caused; the log has the details.
    public static let unexpected = ErrorCode.internalError.error("the server failed to handle the request")

    public static let storageFailure = ErrorCode.storageUnavailable.error("the database could not complete the request; try again",
                                                 headers: HTTPHeaders([("Retry-After", "1")]))

    /// The one place an error becomes a response, for reads and writes alike. Refusals
    /// (`HTTPError`) are answered as they are. A storage failure (busy past the timeout, disk
    /// full, I/O) is `503 storage_unavailable` with `Retry-After`; anything else is a bug:
    /// `500 internal_error`. Both carry a fresh `request_id` that the log line also names,
    /// and never the error's own text (which may hold SQL or paths).
    public static func response(for error: Error, logger: Logger, context what: @autoclosure () -> String) -> Response {
        if let error = error as? HTTPError { return error.response }
        var generator = SystemRandomNumberGenerator()
        let id = Hex.string((0..<8).map { _ in UInt8.random(in: 0...255, using: &generator) })
        var answer: HTTPError
        if StorageFailure.isUnavailable(error) {
            answer = storageFailure
            logger.error("storage failure (request_id=\(id)) in \(what()): \(error)")
        } else {
            answer = unexpected
            logger.error("unexpected error (request_id=\(id)) in \(what()): \(error)")
        }
        answer.requestID = id
        return answer.response
    }
}
