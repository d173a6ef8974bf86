import HTTPServer
import Synchronization

/// Outbox figures for /metrics: attempts by channel and result, and the time from the change
/// that caused a message to its successful delivery.
final class DeliveryMetrics: Sendable {
    enum Channel: String, CaseIterable { case webhook, email }
    enum Result: String, CaseIterable { case succeeded, retrying, failed }

    private struct State {
        var attempts: [String: UInt64] = [:]
        var lag: [Channel: Histogram] = [
            .webhook: Histogram(buckets: DeliveryMetrics.buckets),
            .email: Histogram(buckets: DeliveryMetrics.buckets),
        ]
    }
    private static let buckets: [Double] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600, 86_400]
    private let state = Mutex(State())

    func attempt(_ channel: Channel, _ result: Result, lagSeconds: Double?) {
        state.withLock { state in
            state.attempts["\(channel.rawValue)/\(result.rawValue)", default: 0] += 1
            if let lagSeconds { state.lag[channel]!.observe(lagSeconds) }
        }
    }

    func render(pending: [Channel: Int64], into text: inout String) {
        let snapshot = state.withLock { $0 }
        text += "# HELP groundswell_outbox_pending Messages waiting in the outbox (webhook deliveries; emails incl. digest items).\n"
        text += "# TYPE groundswell_outbox_pending gauge\n"
        for channel in Channel.allCases {
            text += "groundswell_outbox_pending{channel=\"\(channel.rawValue)\"} \(pending[channel] ?? 0)\n"
        }
        text += "# HELP groundswell_outbox_attempts_total Delivery attempts by channel and result (retrying: failed, will try again).\n"
        text += "# TYPE groundswell_outbox_attempts_total counter\n"
        for channel in Channel.allCases {
            for result in Result.allCases {
                text += "groundswell_outbox_attempts_total{channel=\"\(channel.rawValue)\",result=\"\(result.rawValue)\"} \(snapshot.attempts["\(channel.rawValue)/\(result.rawValue)"] ?? 0)\n"
            }
        }
        for channel in Channel.allCases {
            snapshot.lag[channel]!.render(name: "groundswell_outbox_\(channel.rawValue)_delivery_seconds",
                                          help: "Time from the change that caused the message (\(channel.rawValue)) to its successful delivery.",
                                          into: &text)
        }
    }
}
