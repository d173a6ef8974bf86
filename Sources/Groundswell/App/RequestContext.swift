import HTTPServer

/// What the domain's middleware learns about a request and hands to its handlers, typed
/// (the server carries it as `Request.context` without knowing its type).
struct RequestContext: Sendable {
    /// The client as `--trust-proxy` resolves it, and its keyed hash (set by the rate limiter
    /// for requests that change something).
    var client: (address: String, hash: String)?
    /// Who is calling, as the idempotency store names callers (`user:ID`, `staff:ID`, `addr:HASH`).
    var principal: String?
    /// Set by `IdempotencyMiddleware` when the request carries an `Idempotency-Key`: who asked
    /// (account or keyed address hash) and for what; the write stores its response under it.
    var idempotency: IdempotencyRecord?
    /// The account behind the bearer token, when the rate limiter already looked it up (so the
    /// handler does not hash the token and search the cache a second time).
    var account: AccountCache.Account?
}

extension Request {
    /// The keyed hash of the client address: from the context when middleware resolved it,
    /// else resolved now.
    func clientHash(_ client: ClientAddress) -> String {
        app.client?.hash ?? client.hashedAddress(of: self)
    }

    /// The domain's context of this request (empty until middleware fills it).
    var app: RequestContext {
        get { context as? RequestContext ?? RequestContext() }
        set { context = newValue }
    }
}
