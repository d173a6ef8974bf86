import CArgon2
import Foundation

/// Argon2id password hashes in the PHC string format (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`),
/// so the parameters travel with each hash and can be raised later without breaking old ones.
/// Parameters per OWASP's Password Storage Cheat Sheet (Argon2id, 19 MiB, 2 iterations, 1 lane).
/// Verification is the library's own constant-time comparison. Hashing takes tens of
/// milliseconds on purpose: it runs on the password thread, never on an event loop.
enum PasswordHasher {
    static let memoryKiB: UInt32 = 19_456
    static let iterations: UInt32 = 2
    static let lanes: UInt32 = 1
    static let saltLength = 16
    static let hashLength = 32

    /// Passwords are 8 to 128 characters (NIST SP 800-63B: length, no composition rules).
    static let length = 8...128

    static func hash(_ password: String) -> String? {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<saltLength).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let size = argon2_encodedlen(iterations, memoryKiB, lanes, UInt32(saltLength), UInt32(hashLength), Argon2_id)
        var encoded = [CChar](repeating: 0, count: size)
        let bytes = Array(password.utf8)
        let status = argon2id_hash_encoded(iterations, memoryKiB, lanes, bytes, bytes.count, salt, salt.count, hashLength,
                                           &encoded, size)
        guard status == ARGON2_OK.rawValue else { return nil }
        return String(decoding: encoded.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func verify(_ password: String, hash: String) -> Bool {
        verifyStatus(password, hash: hash) == ARGON2_OK.rawValue
    }

    /// A hash of nothing anyone knows, verified against when there is no such account, so
    /// "no such email" costs the same time as "wrong password" (no account enumeration):
    /// checking it runs Argon2 with the same parameters as a real hash. Random salt and random
    /// digest in the PHC format, not the output of hashing anything: no password leads to it,
    /// and making it takes no Argon2 run (one used to be made at start-up: 19 MiB for
    /// nothing, the process's peak memory).
    static let decoy: String = {
        var generator = SystemRandomNumberGenerator()
        func field(_ count: Int) -> String {
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            // PHC strings use base64 without padding.
            return Data(bytes).base64EncodedString().replacingOccurrences(of: "=", with: "")
        }
        return "$argon2id$v=19$m=\(memoryKiB),t=\(iterations),p=\(lanes)$\(field(saltLength))$\(field(hashLength))"
    }()

    /// Argon2's own answer for `password` against `hash`: `ARGON2_VERIFY_MISMATCH` for a wrong
    /// password, a decoding error for a malformed hash (which would answer faster).
    static func verifyStatus(_ password: String, hash: String) -> Int32 {
        let bytes = Array(password.utf8)
        return argon2id_verify(hash, bytes, bytes.count)
    }
}
