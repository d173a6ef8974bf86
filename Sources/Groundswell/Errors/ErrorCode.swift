import HTTPServer

/// Every stable error `code` the API answers with, and its status: the contract's one list.
/// docs/api.md's error table is checked against it (`ErrorCatalogueTests`). Codes raised by the
/// HTTP server itself (framing, limits) are listed too, marked `server`, since clients see them
/// the same way; the server module keeps its own literals because it knows nothing of this one.
public enum ErrorCode: String, CaseIterable, Sendable {
    // Requests the domain refuses.
    case invalidRequest = "invalid_request"
    case unknownCategory = "unknown_category"
    case unauthorized
    case forbidden
    case banned
    case notFound = "not_found"
    case voteNotFound = "vote_not_found"
    case emailTaken = "email_taken"
    case alreadyVoted = "already_voted"
    case alreadyFlagged = "already_flagged"
    case flagResolved = "flag_resolved"
    case invalidTransition = "invalid_transition"
    case invalidMerge = "invalid_merge"
    case ideaMerged = "idea_merged"
    case lastAdmin = "last_admin"
    case categoryExists = "category_exists"
    case categoryInUse = "category_in_use"
    case roundNotOpen = "round_not_open"
    case roundFull = "round_full"
    case roundClosed = "round_closed"
    case roundLocked = "round_locked"
    case roundNotClosed = "round_not_closed"
    case notEligible = "not_eligible"
    case notInRound = "not_in_round"
    case idempotencyInProgress = "idempotency_in_progress"
    case idempotencyReplayUnavailable = "idempotency_replay_unavailable"
    case idempotencyMismatch = "idempotency_mismatch"
    case voteLimit = "vote_limit"
    case rateLimited = "rate_limited"
    case tooManyStreams = "too_many_streams"
    case destinationRefused = "destination_refused"
    case unknownEventType = "unknown_event_type"
    case webhookDisabled = "webhook_disabled"
    case invalidCredentials = "invalid_credentials"
    case wrongPassword = "wrong_password"
    case csrfFailed = "csrf_failed"
    case unsupportedMediaType = "unsupported_media_type"
    case campaignExists = "campaign_exists"
    case invalidMultipart = "invalid_multipart"
    case invalidImage = "invalid_image"
    case mediaQuotaExceeded = "media_quota_exceeded"
    case internalError = "internal_error"
    case storageUnavailable = "storage_unavailable"
    case overloaded
    // Raised by the HTTP server before any handler runs.
    case badRequest = "bad_request"
    case methodNotAllowed = "method_not_allowed"
    case requestTimeout = "request_timeout"
    case payloadTooLarge = "payload_too_large"
    case uriTooLong = "uri_too_long"
    case expectationFailed = "expectation_failed"
    case headersTooLarge = "headers_too_large"
    case tooManyConnections = "too_many_connections"
    case notImplemented = "not_implemented"
    case httpVersionNotSupported = "http_version_not_supported"
    case insufficientStorage = "insufficient_storage"

    public var status: HTTPStatus {
        switch self {
        case .invalidRequest, .unknownCategory, .unknownEventType, .badRequest, .invalidMultipart: return .badRequest
        case .invalidImage: return .unprocessableContent
        case .mediaQuotaExceeded: return .payloadTooLarge
        case .insufficientStorage: return .insufficientStorage
        case .unauthorized, .invalidCredentials: return .unauthorized
        case .forbidden, .banned, .wrongPassword, .csrfFailed: return .forbidden
        case .notFound, .voteNotFound: return .notFound
        case .methodNotAllowed: return .methodNotAllowed
        case .requestTimeout: return .requestTimeout
        case .emailTaken, .alreadyVoted, .alreadyFlagged, .flagResolved, .invalidTransition, .invalidMerge, .ideaMerged,
             .lastAdmin, .categoryExists, .categoryInUse, .roundNotOpen, .roundFull, .roundClosed, .roundLocked,
             .roundNotClosed, .notEligible, .notInRound, .idempotencyInProgress, .idempotencyReplayUnavailable, .webhookDisabled,
             .campaignExists:
            return .conflict
        case .payloadTooLarge: return .payloadTooLarge
        case .uriTooLong: return .uriTooLong
        case .expectationFailed: return .expectationFailed
        case .idempotencyMismatch, .destinationRefused: return .unprocessableContent
        case .voteLimit, .rateLimited, .tooManyConnections, .tooManyStreams: return .tooManyRequests
        case .headersTooLarge: return .headersTooLarge
        case .unsupportedMediaType: return .unsupportedMediaType
        case .internalError: return .internalServerError
        case .notImplemented: return .notImplemented
        case .storageUnavailable, .overloaded: return .serviceUnavailable
        case .httpVersionNotSupported: return .versionNotSupported
        }
    }

    /// Whether the HTTP server, not a handler, answers with it.
    public var raisedByServer: Bool {
        switch self {
        case .badRequest, .methodNotAllowed, .requestTimeout, .payloadTooLarge, .uriTooLong, .expectationFailed,
             .headersTooLarge, .tooManyConnections, .notImplemented, .httpVersionNotSupported, .insufficientStorage:
            return true
        default:
            return false
        }
    }

    /// The error for this code, with its status.
    public func error(_ message: String, headers: HTTPHeaders = HTTPHeaders(),
                      fields: [(name: String, value: Int64)] = []) -> HTTPError {
        HTTPError(status, code: rawValue, message: message, headers: headers, fields: fields)
    }
}
