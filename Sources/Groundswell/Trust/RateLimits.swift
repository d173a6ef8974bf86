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
    /// Searches that miss the result cache, per client address: 300 at once, then 30 a second.
    public var searchesPerAddress = Bucket(capacity: 300, perSecond: 30)
    /// Addresses the per-address limits do not apply to (`--rate-limit-exempt`). Empty by
    /// default: loopback is limited like any peer, since a proxy on the same host that is
    /// not trusted makes every client look like 127.0.0.1.
    public var exempt: [AddressRange] = []

    func isExempt(_ address: String) -> Bool {
        guard !exempt.isEmpty, let parsed = AddressRange.address(address) else { return false }
        return exempt.contains { $0.contains(parsed) }
    }

    public init() {}
}
