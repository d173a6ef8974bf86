import Crypto
import Foundation
import HTTPServer
import Synchronization

/// Token-bucket limits for the things abuse is made of. Defaults are set so an honest
/// person never meets them; `--rate-limit off` turns them off for load tests and imports.
public struct RateLimits: Sendable {
    public struct Bucket: Sendable {
        public var capacity: Double
        public var perSecond: Double
        public init(capacity: Double, perSecond: Double) {
            self.capacity = capacity
            self.perSecond = perSecond
        }
    }

    public var enabled = true
    /// Sign-ups per client address: 30 at once, then one every 2 minutes.
    public var signupsPerAddress = Bucket(capacity: 30, perSecond: 1.0 / 120)
    /// Votes per account: 300 at once, then 5 a second.
    public var votesPerAccount = Bucket(capacity: 300, perSecond: 5)
    /// Votes per client address: 1,200 at once, then 20 a second (offices share addresses).
    public var votesPerAddress = Bucket(capacity: 1200, perSecond: 20)
    /// Other writes per account (ideas, comments, flags, profile): 300 at once, then 5 a second.
    public var writesPerAccount = Bucket(capacity: 300, perSecond: 5)
    /// Searches that miss the result cache, per client address: 30 at once, then 10 a second.
    public var searchesPerAddress = Bucket(capacity: 30, perSecond: 10)
    /// Addresses the per-address limits do not apply to (`--rate-limit-exempt`). Empty by
    /// default: loopback is limited like any peer, since a proxy on the same host that is
    /// not trusted makes every client look like 127.0.0.1.
    public var exempt: [AddressRange] = []

    func isExempt(_ address: String) -> Bool {
        !exempt.isEmpty && exempt.contains { $0.contains(address) }
    }

    public init() {}
}

/// Resolves the client address (X-Forwarded-For only behind a trusted proxy) and hashes
/// it with a key kept outside the database (`AddressKey`), so stored evidence cannot be
/// turned back into addresses. The key can be replaced while running (rotation).
public final class ClientAddress: Sendable {
    public let trustProxy: Bool
    private struct State {
        var keyedHash: KeyedHash
        /// A client sends many requests from one address: the last few thousand hashes.
        var recent: [String: String] = [:]
    }
    private let state: Mutex<State>
    private static let memoCapacity = 4096

    public init(trustProxy: Bool, key: [UInt8]) {
        self.trustProxy = trustProxy
        self.state = Mutex(State(keyedHash: KeyedHash(key: key)))
    }

    /// The address the request came from: the right-most X-Forwarded-For entry (the one our
    /// proxy added) when the proxy is trusted, else the socket's peer.
    public func address(of request: Request) -> String {
        if trustProxy, let forwarded = request.headers.values("x-forwarded-for").last,
           let last = forwarded.split(separator: ",").last.map({ $0.trimmingOWS() }), !last.isEmpty {
            return last
        }
        return request.remoteAddress
    }

    public func hash(_ address: String) -> String {
        state.withLock { state in
            if let known = state.recent[address] { return known }
            var bytes = address
            let hashed = bytes.withUTF8 { Hex.string(state.keyedHash.code(UnsafeRawBufferPointer($0)), limit: 16) }
            if state.recent.count >= ClientAddress.memoCapacity { state.recent.removeAll(keepingCapacity: true) }
            state.recent[address] = hashed
            return hashed
        }
    }

    public func hashedAddress(of request: Request) -> String { hash(address(of: request)) }

    /// Starts hashing with `key` (rotation); hashes made before no longer match new ones.
    func replaceKey(_ key: [UInt8]) {
        state.withLock { state in
            state.keyedHash = KeyedHash(key: key)
            state.recent.removeAll()
        }
    }
}

/// Applies `RateLimits` before handlers run: `429 rate_limited` with `Retry-After`.
final class RateLimitMiddleware: Middleware, Sendable {
    private struct State {
        var tokens: Double
        var updated: Int64
    }

    /// What a bucket belongs to: a kind of action and an account id or client address.
    /// Accounts are known ones only (the token was checked), so made-up tokens cannot
    /// create buckets.
    private struct Key: Hashable {
        enum Kind: UInt8 { case signup, vote, voteAddress, write, search }
        let kind: Kind
        let owner: String
    }

    private let limits: RateLimits
    private let clock: Clock
    private let client: ClientAddress
    private let auth: Authenticator
    private let buckets = Mutex<[Key: State]>([:])

    init(limits: RateLimits, clock: Clock, client: ClientAddress, auth: Authenticator) {
        self.limits = limits
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
        let perAddress = !limits.isExempt(address)
        // The account behind the token, if it is a valid customer's; otherwise the handler
        // answers 401/403 and no per-account bucket is needed.
        let account = Authenticator.bearerToken(request) == nil ? nil : (try? auth.user(request)).map { "u\($0.id)" }
        if route == "/users" && request.method == .post {
            if perAddress { try take(Key(kind: .signup, owner: address), limits.signupsPerAddress) }
        } else if route == "/ideas/{id}/votes" {
            if let account { try take(Key(kind: .vote, owner: account), limits.votesPerAccount) }
            if perAddress { try take(Key(kind: .voteAddress, owner: address), limits.votesPerAddress) }
        } else if let account, !route.hasPrefix("/admin/") {
            try take(Key(kind: .write, owner: account), limits.writesPerAccount)
        }
        return try next(request)
    }

    /// Takes a search token for the request's client (searches that miss the cache cost
    /// real work; cached ones are free). 429 `rate_limited` when the client has none left.
    func takeSearch(_ request: Request) throws {
        guard limits.enabled else { return }
        let address = client.address(of: request)
        guard !limits.isExempt(address) else { return }
        try take(Key(kind: .search, owner: address), limits.searchesPerAddress)
    }

    private func take(_ key: Key, _ bucket: RateLimits.Bucket) throws {
        let now = clock.nowMillis()
        let (state, allowed) = buckets.withLock { buckets -> (State, Bool) in
            var state = buckets[key] ?? State(tokens: bucket.capacity, updated: now)
            state.tokens = min(bucket.capacity, state.tokens + Double(max(0, now - state.updated)) / 1000 * bucket.perSecond)
            state.updated = now
            let allowed = state.tokens >= 1
            if allowed { state.tokens -= 1 }
            buckets[key] = state
            if buckets.count > 200_000 {
                // Drop buckets idle long enough to be full again; if fresh ones still fill
                // the map, start over rather than prune on every request.
                buckets = buckets.filter { now - $0.value.updated < 600_000 }
                if buckets.count > 100_000 { buckets.removeAll(keepingCapacity: true) }
            }
            return (state, allowed)
        }
        if !allowed {
            let wait = Int((1 - state.tokens) / bucket.perSecond) + 1
            var headers = HTTPHeaders()
            headers.add("Retry-After", String(wait))
            throw HTTPError(.tooManyRequests, code: "rate_limited", message: "too many requests; try again in \(wait) s", headers: headers)
        }
    }
}
