import Foundation

/// Request counts by route and status, a latency histogram and the open-connection
/// gauge, rendered in the Prometheus text format. Updated from every event loop.
public final class HTTPMetrics: ServerObserver, @unchecked Sendable {
    private struct Key: Hashable {
        let method: HTTPMethod
        let route: String
        let status: Int
    }

    public static let latencyBuckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

    private let lock = NSLock()
    private var requests: [Key: UInt64] = [:]
    private var histogram = Histogram(buckets: HTTPMetrics.latencyBuckets)
    private var openConnections = 0

    public init() {}

    public func responded(method: HTTPMethod, route: String?, status: Int, durationNanos: UInt64) {
        let key = Key(method: method, route: route ?? "unmatched", status: status)
        lock.lock()
        requests[key, default: 0] += 1
        histogram.observe(Double(durationNanos) / 1e9)
        lock.unlock()
    }

    public func connectionsChanged(open: Int) {
        lock.lock()
        openConnections = open
        lock.unlock()
    }

    public func render(into text: inout String) {
        lock.lock()
        let requests = self.requests
        let histogram = self.histogram
        let open = openConnections
        lock.unlock()
        text += "# HELP groundswell_http_requests_total HTTP requests answered, by route pattern and status.\n"
        text += "# TYPE groundswell_http_requests_total counter\n"
        for (key, count) in requests.sorted(by: { ($0.key.route, $0.key.status) < ($1.key.route, $1.key.status) }) {
            text += "groundswell_http_requests_total{method=\"\(key.method)\",route=\"\(Histogram.escape(key.route))\",status=\"\(key.status)\"} \(count)\n"
        }
        histogram.render(name: "groundswell_http_request_duration_seconds",
                         help: "Time from a complete request head to the response being queued.", into: &text)
        text += "# HELP groundswell_http_open_connections Client connections open now.\n"
        text += "# TYPE groundswell_http_open_connections gauge\n"
        text += "groundswell_http_open_connections \(open)\n"
    }
}

/// A cumulative Prometheus histogram.
public struct Histogram: Sendable {
    public let buckets: [Double]
    private var counts: [UInt64]
    private var sum = 0.0
    private var count: UInt64 = 0

    public init(buckets: [Double]) {
        self.buckets = buckets
        counts = Array(repeating: 0, count: buckets.count)
    }

    public mutating func observe(_ value: Double) {
        for (index, bound) in buckets.enumerated() where value <= bound {
            counts[index] += 1
            break
        }
        sum += value
        count += 1
    }

    public func render(name: String, help: String, into text: inout String) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) histogram\n"
        var cumulative: UInt64 = 0
        for (index, bound) in buckets.enumerated() {
            cumulative += counts[index]
            text += "\(name)_bucket{le=\"\(bound)\"} \(cumulative)\n"
        }
        text += "\(name)_bucket{le=\"+Inf\"} \(count)\n\(name)_sum \(sum)\n\(name)_count \(count)\n"
    }

    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}
