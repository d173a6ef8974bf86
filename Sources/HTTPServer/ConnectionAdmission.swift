import Synchronization

/// Counts open connections per client address, across every event loop, so that one host
/// cannot take every file descriptor. IPv6 peers are counted per /64 (a host usually holds a
/// whole /64, so counting single addresses would cap nothing). Touched once at accept and
/// once at close, never per request.
final class ConnectionAdmission: Sendable {
    private let limit: Int
    private let counts = Mutex<[String: Int]>([:])

    init(limit: Int) {
        self.limit = limit
    }

    /// Takes a slot for `key`; false when the address already holds `limit` connections.
    func admit(_ key: String) -> Bool {
        guard limit > 0 else { return true }
        return counts.withLock { counts in
            let open = counts[key, default: 0]
            guard open < limit else { return false }
            counts[key] = open + 1
            return true
        }
    }

    func release(_ key: String) {
        guard limit > 0 else { return }
        counts.withLock { counts in
            guard let open = counts[key] else { return }
            if open <= 1 { counts.removeValue(forKey: key) } else { counts[key] = open - 1 }
        }
    }

    /// The key a peer address is counted under: IPv4 as is, IPv6 cut to its first four groups.
    static func key(for peer: String) -> String {
        guard peer.contains(":") else { return peer }
        // Expand "::" so the first four groups are the /64.
        let halves = peer.split(separator: ":", omittingEmptySubsequences: false)
        var groups: [Substring] = []
        if let gap = halves.firstIndex(of: ""), peer.contains("::") {
            let head = halves[..<gap].filter { !$0.isEmpty }
            let tail = halves[(gap + 1)...].filter { !$0.isEmpty }
            groups = Array(head) + Array(repeating: "0", count: max(0, 8 - head.count - tail.count)) + Array(tail)
        } else {
            groups = halves
        }
        return groups.prefix(4).joined(separator: ":") + "::/64"
    }
}
