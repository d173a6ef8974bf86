import Crypto
import JSON

/// Bearer tokens: 256 random bits, shown once, stored only as a SHA-256 hash so a
/// leaked database cannot be used to sign in.
public enum Tokens {
    public static func generate(prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return prefix + Base64URL.encode(bytes)
    }

    /// `bytes` random bytes as lower-case hex: ids receivers drop repeats by, CSRF and
    /// unsubscribe tokens.
    static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.string((0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    public static func hash(_ token: String) -> [UInt8] {
        Array(digest(token))
    }

    /// Whether a token sent by a client is the expected one, compared as SHA-256 digests,
    /// whose equality is constant-time (swift-crypto), so the time taken tells nothing.
    static func matches(_ sent: String, _ expected: String) -> Bool {
        digest(sent) == digest(expected)
    }

    static func digest(_ token: String) -> SHA256.Digest {
        var token = token
        return token.withUTF8 { SHA256.hash(data: UnsafeRawBufferPointer($0)) }
    }
}
