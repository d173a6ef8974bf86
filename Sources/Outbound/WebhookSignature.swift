import Crypto
import Foundation

/// Standard Webhooks signing (https://www.standardwebhooks.com): the secret is `whsec_` and
/// base64 of random bytes; the signature is `v1,` and base64 of HMAC-SHA256 over
/// `{webhook-id}.{webhook-timestamp}.{body}`, sent in `webhook-signature` beside the
/// `webhook-id` and `webhook-timestamp` (seconds) headers.
public enum WebhookSignature {
    /// A fresh secret: 24 random bytes.
    public static func generateSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<24).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return "whsec_" + Data(bytes).base64EncodedString()
    }

    /// The key bytes of a `whsec_` secret, or nil if it is malformed.
    public static func key(of secret: String) -> [UInt8]? {
        guard secret.hasPrefix("whsec_"), let data = Data(base64Encoded: String(secret.dropFirst(6))) else { return nil }
        return Array(data)
    }

    /// The `webhook-signature` value for one message.
    public static func sign(secret: String, id: String, timestamp: Int64, body: [UInt8]) -> String? {
        guard let key = key(of: secret) else { return nil }
        var message = Array("\(id).\(timestamp).".utf8)
        message.append(contentsOf: body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key))
        return "v1," + Data(mac).base64EncodedString()
    }

    /// The three headers of a delivery attempt made at `timestamp` (seconds).
    public static func headers(secret: String, id: String, timestamp: Int64, body: [UInt8]) -> [(String, String)] {
        var headers = [("Content-Type", "application/json"), ("webhook-id", id), ("webhook-timestamp", String(timestamp))]
        if let signature = sign(secret: secret, id: id, timestamp: timestamp, body: body) {
            headers.append(("webhook-signature", signature))
        }
        return headers
    }
}
