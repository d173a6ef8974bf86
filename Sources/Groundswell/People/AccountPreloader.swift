import Foundation
import Logging
import Storage

/// Fills the account cache from `users` at start-up, on a thread of its own and in chunks,
/// while the server already answers (a request that misses reads its account itself). A
/// chunk read while `users` changed is read again (`AccountCache.preload` refuses it), so no
/// entry older than a committed change is ever kept. On the 1,000,000-customer file it took
/// ~1 s and 21 MB (docs/performance.md, session 12).
enum AccountPreloader {
    static let chunk = 4_096

    static func start(database: SQLDatabase, accounts: AccountCache, logger: Logger) {
        let thread = Thread {
            let started = DispatchTime.now().uptimeNanoseconds
            var after: Int64 = 0
            var refused = 0
            do {
                while accounts.count < accounts.capacity {
                    let generation = accounts.generation
                    let (found, last) = try database.read { db in try UserStore.accounts(after: after, limit: chunk, in: db) }
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
        thread.name = "groundswell-accounts"
        thread.start()
    }
}
