import Crypto
import Foundation
import HTTPServer

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

    public init() {}
}

/// Resolves the client address (X-Forwarded-For only behind a trusted proxy) and hashes
/// it with a per-database secret, so stored evidence cannot be turned back into addresses.
public struct ClientAddress: Sendable {
    static let hashAttribute = "client.hash"
    public let trustProxy: Bool
    private let keyedHash: KeyedHash
    /// A client sends many requests from one address: remember the last few thousand hashes.
    private let recent = RecentHashes(capacity: 4096)

    public init(trustProxy: Bool, secret: [UInt8]) {
        self.trustProxy = trustProxy
        self.keyedHash = KeyedHash(key: secret)
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
        if let known = recent.lookup(address) { return known }
        var bytes = address
        let hashed = bytes.withUTF8 { Hex.string(keyedHash.code(UnsafeRawBufferPointer($0)), limit: 16) }
        recent.store(address, hashed)
        return hashed
    }

    public func hashedAddress(of request: Request) -> String { hash(address(of: request)) }

    /// Loopback peers share one address (local tools, or a proxy that is not trusted):
    /// per-address limits would throttle everyone at once, so they do not apply there.
    func isLoopback(_ address: String) -> Bool {
        address.hasPrefix("127.") || address == "::1" || address == "localhost"
    }
}

/// A bounded address → hash memo, emptied wholesale when full.
final class RecentHashes: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: String] = [:]
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    func lookup(_ address: String) -> String? {
        lock.lock()
        defer { lock.unlock() }
        return entries[address]
    }

    func store(_ address: String, _ hash: String) {
        lock.lock()
        defer { lock.unlock() }
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[address] = hash
    }
}

/// Applies `RateLimits` before handlers run: `429 rate_limited` with `Retry-After`.
final class RateLimitMiddleware: Middleware, @unchecked Sendable {
    private struct State {
        var tokens: Double
        var updated: Int64
    }

    /// What a bucket belongs to: a kind of action and an account token or client address.
    private struct Key: Hashable {
        enum Kind: UInt8 { case signup, vote, voteAddress, write }
        let kind: Kind
        let owner: String
    }

    private let limits: RateLimits
    private let clock: Clock
    private let client: ClientAddress
    private let lock = NSLock()
    private var buckets: [Key: State] = [:]

    init(limits: RateLimits, clock: Clock, client: ClientAddress) {
        self.limits = limits
        self.clock = clock
        self.client = client
    }

    func handle(_ request: Request, next: (Request) throws -> Reply) throws -> Reply {
        guard limits.enabled, request.method != .get, request.method != .head, request.method != .options else {
            return try next(request)
        }
        let route = request.route ?? ""
        let token = Authenticator.bearerToken(request)
        let address = client.address(of: request)
        let perAddress = !client.isLoopback(address)
        if route == "/users" && request.method == .post {
            if perAddress { try take(Key(kind: .signup, owner: address), limits.signupsPerAddress) }
        } else if route == "/ideas/{id}/votes" {
            if let token { try take(Key(kind: .vote, owner: token), limits.votesPerAccount) }
            if perAddress { try take(Key(kind: .voteAddress, owner: address), limits.votesPerAddress) }
        } else if let token, !route.hasPrefix("/admin/") {
            try take(Key(kind: .write, owner: token), limits.writesPerAccount)
        }
        return try next(request)
    }

    private func take(_ key: Key, _ bucket: RateLimits.Bucket) throws {
        let now = clock.nowMillis()
        lock.lock()
        var state = buckets[key] ?? State(tokens: bucket.capacity, updated: now)
        state.tokens = min(bucket.capacity, state.tokens + Double(max(0, now - state.updated)) / 1000 * bucket.perSecond)
        state.updated = now
        let allowed = state.tokens >= 1
        if allowed { state.tokens -= 1 }
        buckets[key] = state
        if buckets.count > 200_000 { prune(now: now) }
        lock.unlock()
        if !allowed {
            let wait = Int((1 - state.tokens) / bucket.perSecond) + 1
            var headers = HTTPHeaders()
            headers.add("Retry-After", String(wait))
            throw HTTPError(.tooManyRequests, code: "rate_limited", message: "too many requests; try again in \(wait) s", headers: headers)
        }
    }

    /// Drops buckets that have been idle long enough to be full again.
    private func prune(now: Int64) {
        buckets = buckets.filter { now - $0.value.updated < 600_000 }
    }
}
