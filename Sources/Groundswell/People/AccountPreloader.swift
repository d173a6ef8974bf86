import CLinux
import Foundation
import Logging
import SQLiteStore
import Storage

/// Fills the account cache from `users` at start-up, on a thread of its own and in chunks,
/// while the server already answers (a request that misses reads its account itself). A
/// chunk read while `users` changed is read again (`AccountCache.preload` refuses it), so no
/// entry older than a committed change is ever kept. On the 1,000,000-customer file it took
/// ~1 s and 21 MB (docs/performance.md, session 12). SQLite only, on a read-only connection of
/// its own with a small page cache, closed when done: through the readers' pool, the scan left a
/// reader's 2 MB cache full for good (peak RSS +2 MiB).
enum AccountPreloader {
    static let chunk = 4_096

    static func start(path: String, accounts: AccountCache, logger: Logger) {
        let thread = Thread {
            clinux_name_thread("gs-accounts")
            let started = DispatchTime.now().uptimeNanoseconds
            var after: Int64 = 0
            var refused = 0
            do {
                var options = Connection.Options()
                options.readOnly = true
                options.cacheKiB = 128
                let db = SQLConnection(try Connection(path: path, options: options))
                accounts.reserve(Int(try UserStore.largestID(db)))
                while accounts.count < accounts.capacity {
                    let generation = accounts.generation
                    // One statement, one snapshot: read after the generation it is checked against.
                    let (found, last) = try UserStore.accounts(after: after, limit: chunk, in: db)
                    guard let last else { break }
                    if accounts.preload(found, generation: generation) {
                        after = last
                    } else {
                        // Customers changed meanwhile: read the chunk again (after a burst of
                        // changes, pass it over: its customers are found when they come).
                        refused += 1
                        if refused % 100 == 0 { after = last }
                    }
                }
            } catch {
                // Shutting down, or the disk fails: requests read their accounts themselves.
                logger.debug("account cache preload stopped: \(error)")
                return
            }
            let millis = (DispatchTime.now().uptimeNanoseconds - started) / 1_000_000
            logger.debug("account cache preloaded: \(accounts.count) customers in \(millis) ms")
        }
        thread.start()
    }
}
