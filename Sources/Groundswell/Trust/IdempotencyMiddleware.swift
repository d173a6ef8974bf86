import JSON
import Crypto
import Foundation
import HTTPServer
import SQLiteStore
import Synchronization

/// `Idempotency-Key` on POST: a retry with the same key and body from the same caller gets
/// the first response again and changes nothing; the same key with another body gets
/// `422 idempotency_mismatch`; a retry while the first is still running gets
/// `409 idempotency_in_progress`. Keys are kept 24 hours. The caller is the authenticated
/// account (`user:ID`, `staff:ID`: a replay passes the same authentication as a first
/// request, so a revoked token or a banned account replays nothing), or for anonymous calls
/// the keyed hash of the client address that `--trust-proxy` resolves.
final class IdempotencyMiddleware: Middleware, Sendable {
    static let retentionMillis: Int64 = 24 * 3_600_000
    private let context: AppContext
    private let auth: Authenticator
    /// Keys whose first request is still running.
    private let inFlight = Mutex<Set<String>>([])

    init(context: AppContext, auth: Authenticator) {
        self.context = context
        self.auth = auth
    }

    func handle(_ request: Request, next: (Request) throws -> Reply) throws -> Reply {
        guard request.method == .post, let key = request.headers["idempotency-key"] else { return try next(request) }
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw APIError.invalid("Idempotency-Key must be 1 to 255 visible ASCII characters")
        }
        let principal = try auth.principal(request)
        // Same request = same method, path and body; JSON bodies are compared by content
        // (key order and whitespace do not matter).
        var fingerprint = Array("\(request.method) \(request.path)\n".utf8)
        if let file = request.bodyFile {
            // An upload's body is on disk (SpoolPolicy): its bytes, read through a mapping.
            if let mapped = try? file.map() { mapped.withBytes { fingerprint += Array(SHA256.hash(data: $0)) } }
        } else if let parsed = try? JSONParser.parse(request.body) {
            parsed.writeCanonical(into: &fingerprint)
        } else {
            fingerprint += request.body
        }
        let bodyHash = Hex.string(SHA256.hash(data: fingerprint))
        let now = context.clock.nowMillis()

        let find = { [context] in
            try context.read { db in
                try IdempotencyRecord.find(db, principal: principal, key: key, since: now - IdempotencyMiddleware.retentionMillis)
            }
        }
        if let stored = try find() { return try IdempotencyMiddleware.replay(stored, bodyHash: bodyHash) }

        let slot = principal + "\u{0}" + key
        let busy = inFlight.withLock { !$0.insert(slot).inserted }
        if busy {
            throw ErrorCode.idempotencyInProgress.error("a request with this Idempotency-Key is still running")
        }
        // Look again now that the slot is ours: a first request may have finished (stored, then
        // released the slot) between the look above and the claim, and must not run twice.
        do {
            if let stored = try find() {
                release(slot)
                return try IdempotencyMiddleware.replay(stored, bodyHash: bodyHash)
            }
        } catch {
            release(slot)
            throw error
        }
        var tagged = request
        tagged.app.principal = principal
        tagged.app.idempotency = IdempotencyRecord(principal: principal, key: key, bodyHash: bodyHash, request: request)
        let reply: Reply
        do {
            reply = try next(tagged)
        } catch let error as HTTPError {
            reply = .response(error.response)
        } catch {
            release(slot)
            throw error
        }
        // Handlers that wrote stored the key in their own transaction; anything else
        // (reads, refusals, errors) is stored now, before the client sees the answer.
        let record = IdempotencyRecord(request: tagged)!
        let promise = ResponsePromise()
        let finish: @Sendable (Response) -> Void = { [self] response in
            context.database.writer.submit({ db in try record.store(db, response: response, now: now) }) { _ in
                self.release(slot)
                promise.succeed(response)
            }
        }
        reply.whenComplete(finish)
        return .promise(promise)
    }

    /// The stored answer to a key's first request, or why it cannot be given.
    private static func replay(_ stored: IdempotencyRecord.Stored, bodyHash: String) throws -> Reply {
        .response(try replayResponse(stored, bodyHash: Array(bodyHash.utf8)))
    }

    /// The stored answer as a response (`Idempotent-Replayed: true`), or why it cannot be given.
    static func replayResponse(_ stored: IdempotencyRecord.Stored, bodyHash: [UInt8]) throws -> Response {
        guard stored.hash == bodyHash else {
            throw ErrorCode.idempotencyMismatch.error("this Idempotency-Key was used with a different request body")
        }
        if stored.secret {
            throw ErrorCode.idempotencyReplayUnavailable.error("the request with this Idempotency-Key was carried out (status \(stored.status)); its response held a credential, which is never stored, so it cannot be replayed")
        }
        var headers = HTTPHeaders()
        for line in stored.headers.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 { headers.add(String(parts[0]), parts[1].trimmingOWS()) }
        }
        headers.add("Idempotent-Replayed", "true")
        return Response(status: HTTPStatus(stored.status, IdempotencyMiddleware.reason(stored.status)),
                        headers: headers, body: stored.body, contentType: stored.type)
    }

    private func release(_ slot: String) {
        _ = inFlight.withLock { $0.remove(slot) }
    }

    static func reason(_ code: Int) -> String {
        switch code {
        case 200: return "OK"
        case 201: return "Created"
        case 204: return "No Content"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 409: return "Conflict"
        case 413: return "Content Too Large"
        case 422: return "Unprocessable Content"
        case 429: return "Too Many Requests"
        default: return "Status \(code)"
        }
    }
}
