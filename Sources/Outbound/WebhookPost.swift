import CCurl
import Foundation

/// One HTTP POST of a webhook body, through libcurl: TLS verified, no redirects (a receiver
/// that moved must be updated by the admin, not followed into someone else's network), no
/// proxy from the environment, the connection pinned to an address the policy checked. Only
/// the answer's status counts: its body is read and dropped, never kept.
public struct WebhookPost: Sendable {
    public var connectTimeout: Double = 5
    /// The whole attempt, answer included; a slow receiver counts as a failure.
    public var totalTimeout: Double = 15
    public let policy: DestinationPolicy

    public init(policy: DestinationPolicy) { self.policy = policy }

    /// What happened: the status (nil if no answer), the time taken and, if it failed, why.
    public struct Outcome: Sendable {
        public var status: Int?
        public var latencyMillis: Int
        public var error: String?
        public var succeeded: Bool { error == nil && (200...299).contains(status ?? 0) }
    }

    /// The answer's body: accepted and dropped.
    static let discard: ccurl_data_fn = { _, size, count, _ in size * count }

    public func send(url: String, headers: [(String, String)], body: [UInt8]) -> Outcome {
        let started = DispatchTime.now().uptimeNanoseconds
        func elapsed() -> Int { Int((DispatchTime.now().uptimeNanoseconds - started) / 1_000_000) }
        do {
            let target = try DestinationPolicy.parse(url)
            let address = try policy.resolve(target)
            let curl = try CurlEasy()
            try curl.set(CURLOPT_URL, url)
            try curl.set(CURLOPT_PROTOCOLS_STR, "http,https")
            try curl.set(CURLOPT_FOLLOWLOCATION, 0)
            try curl.set(CURLOPT_PROXY, "")
            try curl.set(CURLOPT_RESOLVE, list: ["\(target.host):\(target.port):\(address)"])
            try curl.set(CURLOPT_CONNECTTIMEOUT_MS, Int(connectTimeout * 1000))
            try curl.set(CURLOPT_TIMEOUT_MS, Int(totalTimeout * 1000))
            try curl.set(CURLOPT_USERAGENT, "Groundswell-Webhooks/1")
            try curl.set(CURLOPT_HTTPHEADER, list: headers.map { "\($0.0): \($0.1)" } + ["Expect:"])
            try curl.set(CURLOPT_POST, 1)
            try curl.set(CURLOPT_WRITEFUNCTION, function: WebhookPost.discard)
            try body.withUnsafeBytes { raw in
                try curl.set(CURLOPT_POSTFIELDSIZE_LARGE, size: raw.count)
                // POSTFIELDS is not copied: the bytes stay valid for the transfer, within this closure.
                try curl.set(CURLOPT_POSTFIELDS, pointer: UnsafeMutableRawPointer(mutating: raw.baseAddress))
                try curl.perform()
            }
            let status = curl.info(CURLINFO_RESPONSE_CODE)
            let succeeded = (200...299).contains(status)
            return Outcome(status: status, latencyMillis: elapsed(),
                           error: succeeded ? nil : "the receiver answered \(status)")
        } catch {
            return Outcome(status: nil, latencyMillis: elapsed(), error: "\(error)")
        }
    }
}
