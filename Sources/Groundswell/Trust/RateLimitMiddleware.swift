import Crypto
import Foundation
import HTTPServer
import Synchronization

/// Applies `RateLimits` before handlers run: `429 rate_limited` with `Retry-After`.
final class RateLimitMiddleware: Middleware, Sendable {
    private struct State {
        var tokens: Double
        var updated: Int64
        /// When the bucket is full again if nothing is taken: from then on it is the same as
        /// no bucket, and may be dropped.
        var fullAt: Int64
    }

    /// What a bucket belongs to: a kind of action and an account id or client address.
    /// Accounts are known ones only (the token was checked), so made-up tokens cannot
    /// create buckets.
    private struct Key: Hashable {
        enum Kind: UInt8 { case signup, vote, voteAddress, write, search }
        enum Owner: Hashable {
            case account(Int64)
            case address(String)
        }
        let kind: Kind
        let owner: Owner
    }

    /// Buckets kept before the map is pruned of full ones; then twice what is left (at least
    /// this, at most `most`), so a prune costs O(1) per bucket made.
    private static let firstPrune = 4_096
    /// Busy buckets beyond this (a flood of addresses) lose the half nearest to full: memory
    /// stays bounded (about 64 bytes a bucket) and the busiest keep their limits.
    private static let most = 200_000
    private struct Buckets {
        var map: [Key: State] = [:]
        var pruneAt = RateLimitMiddleware.firstPrune
    }

    private let limits: RateLimits
    private let clock: Clock
    private let client: ClientAddress
    private let auth: Authenticator
    private let buckets = Mutex(Buckets())

    /// Nodes sharing the limits (PostgreSQL): each allows its share of every bucket.
    private let nodes: @Sendable () -> Int

    init(limits: RateLimits, clock: Clock, client: ClientAddress, auth: Authenticator, nodes: @escaping @Sendable () -> Int = { 1 }) {
        self.limits = limits
        self.nodes = nodes
        self.clock = clock
        self.client = client
        self.auth = auth
    }

    func handle(_ request: Request, next: (Request) throws -> Reply) throws -> Reply {
        guard limits.enabled, request.method != .get, request.method != .head, request.method != .options else {
            return try next(request)
        }
        let route = request.route ?? ""
        let address = client.address(of: request)
        // The context is built here and stored once: each store boxes the whole value anew.
        var app = request.app
        app.client = (address, client.hash(address))
        let perAddress = !limits.isExempt(address)
        // The account behind the token, if it is a valid customer's; otherwise the handler
        // answers 401/403 and no per-account bucket is needed.
        let account = auth.rateLimitAccount(request, app: &app).map(Key.Owner.account)
        var request = request
        request.app = app
        // The web site's forms (`/signup`, `/ideas/{id}/vote`) count as the API calls they make.
        if (route == "/users" || route == "/signup") && request.method == .post {
            if perAddress { try take(Key(kind: .signup, owner: .address(address)), limits.signupsPerAddress) }
        } else if route == "/ideas/{id}/votes" || route == "/ideas/{id}/vote" {
            if let account { try take(Key(kind: .vote, owner: account), limits.votesPerAccount) }
            if perAddress { try take(Key(kind: .voteAddress, owner: .address(address)), limits.votesPerAddress) }
        } else if let account, !route.hasPrefix("/admin/") {
            try take(Key(kind: .write, owner: account), limits.writesPerAccount)
        }
        return try next(request)
    }

    /// Buckets kept now (busy ones, and full ones not yet pruned).
    var bucketCount: Int { buckets.withLock { $0.map.count } }

    /// Takes a search token for the request's client (searches that miss the cache cost
    /// real work; cached ones are free). 429 `rate_limited` when the client has none left.
    func takeSearch(_ request: Request) throws {
        guard limits.enabled else { return }
        let address = client.address(of: request)
        guard !limits.isExempt(address) else { return }
        try take(Key(kind: .search, owner: .address(address)), limits.searchesPerAddress)
    }

    /// With N nodes behind a balancer that spreads a client's requests, each node keeps 1/N of
    /// every bucket, so together they allow about what one would (docs/scaling.md).
    private func take(_ key: Key, _ whole: RateLimits.Bucket) throws {
        let share = Double(nodes())
        let bucket = share <= 1 ? whole : RateLimits.Bucket(capacity: max(1, whole.capacity / share), perSecond: whole.perSecond / share)
        let now = clock.nowMillis()
        let (state, allowed) = buckets.withLock { buckets -> (State, Bool) in
            var state = buckets.map[key] ?? State(tokens: bucket.capacity, updated: now, fullAt: now)
            state.tokens = min(bucket.capacity, state.tokens + Double(max(0, now - state.updated)) / 1000 * bucket.perSecond)
            state.updated = now
            let allowed = state.tokens >= 1
            if allowed { state.tokens -= 1 }
            let refill = bucket.perSecond > 0 ? (bucket.capacity - state.tokens) / bucket.perSecond * 1000 : .infinity
            state.fullAt = refill < 1e15 ? now + Int64(refill.rounded(.up)) : .max
            buckets.map[key] = state
            if buckets.map.count > buckets.pruneAt { RateLimitMiddleware.prune(&buckets, now: now) }
            return (state, allowed)
        }
        if !allowed {
            let wait = Int((1 - state.tokens) / bucket.perSecond) + 1
            var headers = HTTPHeaders()
            headers.add("Retry-After", String(wait))
            throw ErrorCode.rateLimited.error("too many requests; try again in \(wait) s", headers: headers)
        }
    }

    /// Drops the buckets that are full again (nobody's limit changes: a missing bucket is a full
    /// one); past `most` busy ones, also the half nearest to full.
    private static func prune(_ buckets: inout Buckets, now: Int64) {
        buckets.map = buckets.map.filter { $0.value.fullAt > now }
        if buckets.map.count > most {
            var fullAts = buckets.map.values.map(\.fullAt)
            let middle = fullAts.count / 2
            fullAts.sort()
            let cut = fullAts[middle]
            buckets.map = buckets.map.filter { $0.value.fullAt > cut }
        }
        // Never past `most`: after a cut at most half of it is left, so the next prune is still
        // at least `most / 2` buckets away.
        buckets.pruneAt = min(most, max(firstPrune, buckets.map.count * 2))
    }
}
