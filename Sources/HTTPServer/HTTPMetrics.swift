import Synchronization

/// Request counts by route and status, a latency histogram and the open-connection
/// gauge, rendered in the Prometheus text format. Updated from every event loop.
public final class HTTPMetrics: ServerObserver, Sendable {
    /// Every part of a key comes from a closed set, so the series count is bounded by
    /// construction: a method outside RFC 9110's list shares the label `OTHER`, a path that
    /// matched no route shares `unmatched`, and a status outside 100...599 is `other`.
    private struct Key: Hashable {
        let method: String
        let route: String
        let status: Int
    }

    /// The label for a method: the standard ones by name, anything else `OTHER`.
    static func methodLabel(_ method: HTTPMethod) -> String {
        if case .other = method { return "OTHER" }
        return method.description
    }

    public static let latencyBuckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

    private struct State {
        var requests: [Key: UInt64] = [:]
        var histogram = Histogram(buckets: HTTPMetrics.latencyBuckets)
        var openConnections = 0
    }

    private let state = Mutex(State())

    public init() {}

    public func responded(method: HTTPMethod, route: String?, status: Int, durationNanos: UInt64) {
        let key = Key(method: HTTPMetrics.methodLabel(method), route: route ?? "unmatched",
                      status: (100...599).contains(status) ? status : 0)
        state.withLock { state in
            state.requests[key, default: 0] += 1
            state.histogram.observe(Double(durationNanos) / 1e9)
        }
    }

    public func connectionsChanged(open: Int) {
        state.withLock { $0.openConnections = open }
    }

    public func render(into text: inout String) {
        let (requests, histogram, open) = state.withLock { ($0.requests, $0.histogram, $0.openConnections) }
        text += "# HELP groundswell_http_requests_total HTTP requests answered, by route pattern and status.\n"
        text += "# TYPE groundswell_http_requests_total counter\n"
        for (key, count) in requests.sorted(by: { ($0.key.route, $0.key.status) < ($1.key.route, $1.key.status) }) {
            let status = key.status == 0 ? "other" : String(key.status)
            text += "groundswell_http_requests_total{method=\"\(Histogram.escape(key.method))\",route=\"\(Histogram.escape(key.route))\",status=\"\(status)\"} \(count)\n"
        }
        histogram.render(name: "groundswell_http_request_duration_seconds",
                         help: "Time from a complete request head to the response being queued.", into: &text)
        MetricText.single("groundswell_http_open_connections", "gauge", help: "Client connections open now.", value: open, into: &text)
    }
}

/// Prometheus text format for a metric without labels: its HELP and TYPE lines and one sample.
public enum MetricText {
    public static func single(_ name: String, _ type: String, help: String, value: some CustomStringConvertible,
                              into text: inout String) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n\(name) \(value)\n"
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

    /// A Prometheus label value: backslash, double quote and line feed escaped.
    public static func escape(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
