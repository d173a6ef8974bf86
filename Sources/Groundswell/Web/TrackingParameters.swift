/// The query parameters link trackers append — campaign tags (`utm_*`) and the click ids social
/// networks and ad platforms add to every outgoing link (`fbclid`, `gclid`, …). No page reads them,
/// and a link shared on a social network arrives with a different click id on every click: in the
/// anonymous page cache's key each such visit missed and cost a full render (~7 times a kept page).
/// The key leaves them out, as CDNs' cache keys do; the page and the address bar keep them.
enum TrackingParameters {
    static let names: Set<Substring> = [
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid",
        "igshid", "li_fat_id", "mc_cid", "mc_eid", "mkt_tok", "_ga", "_gl", "ref_src",
    ]

    static func isTracking(_ name: Substring) -> Bool { name.hasPrefix("utm_") || names.contains(name) }

    /// `target` (path and query as requested) without tracking parameters; the others keep their
    /// order and spelling. A target without any is returned as it is.
    static func stripped(_ target: String) -> String {
        guard let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return target }
        let query = target[target.index(after: mark)...]
        // Nearly every target has no tracker: told without building its pairs (this runs for every
        // kept page a reader is served, on the event loop).
        guard hasTracker(query) else { return target }
        let pairs = query.split(separator: "&", omittingEmptySubsequences: false)
        let kept = pairs.filter { pair in !isTracking(pair.prefix { $0 != "=" }) }
        if kept.count == pairs.count { return target }
        let path = String(target[..<mark])
        return kept.isEmpty ? path : path + "?" + kept.joined(separator: "&")
    }

    private static func hasTracker(_ query: Substring) -> Bool {
        var start = query.startIndex
        while true {
            let end = query.utf8[start...].firstIndex(of: UInt8(ascii: "&")) ?? query.endIndex
            let pair = query[start..<end]
            if isTracking(pair[..<(pair.utf8.firstIndex(of: UInt8(ascii: "=")) ?? pair.endIndex)]) { return true }
            guard end < query.endIndex else { return false }
            start = query.utf8.index(after: end)
        }
    }
}
