import Foundation

/// The key that turns client addresses into keyed hashes. It never lives in the database:
/// anyone holding the file (or a backup) could otherwise recover IPv4 addresses by hashing
/// all 2^32 of them. It comes from `GROUNDSWELL_ADDRESS_KEY` (64 hex digits; the operator
/// rotates it), or from a key file beside the database (`<db>.address-key`, mode 0600) that
/// Groundswell creates and replaces with a fresh key once it is `retainDays` old, so that
/// no key outlives the hashes it made (those are erased after the same period).
public struct AddressKey: Sendable, Equatable {
    public let bytes: [UInt8]
    /// When the key was made (ms since the epoch); nil for a key from the environment.
    public let createdAt: Int64?

    public static let environmentVariable = "GROUNDSWELL_ADDRESS_KEY"

    /// Where the key file of a database lives.
    public static func filePath(forDatabase path: String) -> String { path + ".address-key" }

    /// A fresh random key made now.
    static func generate(now: Int64) -> AddressKey {
        var generator = SystemRandomNumberGenerator()
        return AddressKey(bytes: (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }, createdAt: now)
    }

    /// The key from the environment, if set; throws for a malformed value.
    static func fromEnvironment(_ environment: [String: String]) throws -> AddressKey? {
        guard let text = environment[environmentVariable] else { return nil }
        guard let bytes = Hex.decode(text), bytes.count >= 16 else {
            throw ConfigurationError("\(environmentVariable) must be at least 32 hexadecimal digits")
        }
        return AddressKey(bytes: bytes, createdAt: nil)
    }

    /// Reads a key file: hex key on the first line, creation time (ms) on the second.
    static func read(path: String) throws -> AddressKey? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n")
        guard lines.count >= 2, let bytes = Hex.decode(String(lines[0])), bytes.count >= 16, let created = Int64(lines[1]) else {
            throw ConfigurationError("\(path) is not a valid address key file; move it away to start a new key")
        }
        return AddressKey(bytes: bytes, createdAt: created)
    }

    /// Writes the key file atomically (temporary file with mode 0600, then rename).
    func write(path: String) throws {
        let temporary = path + ".tmp"
        let text = Hex.string(bytes) + "\n" + String(createdAt ?? 0) + "\n"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ConfigurationError("cannot write \(temporary): \(String(cString: strerror(errno)))") }
        let written = text.utf8.withContiguousStorageIfAvailable { Foundation.write(fd, $0.baseAddress, $0.count) } ?? -1
        let synced = fsync(fd)
        close(fd)
        guard written == text.utf8.count, synced == 0, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw ConfigurationError("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Whether a file key has reached the retention period and should be replaced.
    func isDue(now: Int64, retainDays: Int) -> Bool {
        guard let createdAt else { return false }
        return now - createdAt >= Int64(retainDays) * 86_400_000
    }
}

/// A setting (key, address list) that cannot be used; the message says which and why.
public struct ConfigurationError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
