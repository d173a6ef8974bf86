import Foundation
import SQLiteStore
import Storage
import Synchronization

/// Loads the address key at start-up and replaces it when it reaches the retention period.
/// A database from before the key moved out (it sat in `settings.address_secret`) has its
/// key moved to the key file, so existing hashes stay comparable, and the row deleted.
final class AddressKeyring: Sendable {
    private let path: String
    private let fromEnvironment: Bool
    private let key: Mutex<AddressKey>
    private let retainDays: Int

    init(databasePath: String, environment: [String: String], retainDays: Int, now: Int64, database: SQLDatabase) throws {
        path = AddressKey.filePath(forDatabase: databasePath)
        self.retainDays = retainDays
        let legacy = try database.writer.sync { db in
            try db.queryOne("SELECT value FROM settings WHERE key = 'address_secret'", [], { $0.blob(0) })
        }
        var loaded: AddressKey
        if let fromEnv = try AddressKey.fromEnvironment(environment) {
            loaded = fromEnv
            fromEnvironment = true
        } else if let stored = try AddressKey.read(path: path) {
            loaded = stored
            fromEnvironment = false
        } else {
            loaded = legacy.map { AddressKey(bytes: $0, createdAt: now) } ?? AddressKey.generate(now: now)
            try loaded.write(path: path)
            fromEnvironment = false
        }
        if !fromEnvironment && loaded.isDue(now: now, retainDays: retainDays) {
            loaded = AddressKey.generate(now: now)
            try loaded.write(path: path)
        }
        key = Mutex(loaded)
        if legacy != nil {
            try database.writer.sync { db in try db.run("DELETE FROM settings WHERE key = 'address_secret'") }
        }
    }

    var current: AddressKey { key.withLock { $0 } }

    /// Replaces a file key that reached the retention period and hands the new key to
    /// `client`; true if it did.
    @discardableResult
    func rotateIfDue(now: Int64, client: ClientAddress) throws -> Bool {
        guard !fromEnvironment else { return false }
        let fresh: AddressKey? = try key.withLock { key in
            guard key.isDue(now: now, retainDays: retainDays) else { return nil }
            let fresh = AddressKey.generate(now: now)
            try fresh.write(path: path)
            key = fresh
            return fresh
        }
        guard let fresh else { return false }
        client.replaceKey(fresh.bytes)
        return true
    }
}
