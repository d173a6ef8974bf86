import HTTPServer

/// What the domain's middleware learns about a request and hands to its handlers, typed
/// (the server carries it as `Request.context` without knowing its type).
struct RequestContext: Sendable {
    /// Set by `IdempotencyMiddleware` when the request carries an `Idempotency-Key`: who asked
    /// (account or keyed address hash) and for what; the write stores its response under it.
    var idempotency: IdempotencyRecord?
}

extension Request {
    /// The domain's context of this request (empty until middleware fills it).
    var app: RequestContext {
        get { context as? RequestContext ?? RequestContext() }
        set { context = newValue }
    }
}
