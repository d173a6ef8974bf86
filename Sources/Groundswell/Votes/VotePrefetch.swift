import CLinux
import Foundation
import Storage
import Synchronization

/// SQLite, files larger than what stays cached: reads the pages a vote will change — its
/// idea's row, the unique index's leaf it inserts into, its customer's entries — on threads of
/// their own while the vote waits for the writer, so the writer finds them in the kernel's page
/// cache. The writer reads one page at a time, and where the host has dropped the file's pages
/// (this VM's proactive reclaim takes file pages unread for about a minute, with gigabytes
/// free), each vote otherwise waited for up to three disk reads in turn, and every vote behind
/// it with it (docs/performance.md, session 33). Here several reads wait on the disk at once.
/// On a file that stays cached this would only cost CPU, so it runs from
/// `AppConfiguration.votePrefetchMinimumBytes`, and while its reads find every page in the page
/// cache (the thread read no block from storage) it takes only one vote in `sampleEvery`, to
/// notice when they stop doing so.
/// Nothing waits for it: a vote is queued for the writer at once, and a full queue drops the hint.
/// `@unchecked Sendable`: `pending` and `stopping` are guarded by `condition`.
final class VotePrefetch: @unchecked Sendable {
    private let condition = NSCondition()
    private var pending: [(idea: Int64, user: Int64)] = []
    private var stopping = false
    private let capacity: Int
    private let threads: Int
    private let database: SQLDatabase
    private let finished = DispatchSemaphore(value: 0)
    /// Hints read, and hints dropped because the queue was full (`/metrics`).
    let read = Atomic<Int>(0)
    let dropped = Atomic<Int>(0)
    /// Whether the last batch read blocks from storage, and hints offered while it did not.
    private let costly = Atomic<Bool>(true)
    private let taken = Atomic<Int>(0)
    static let sampleEvery = 16
    /// Votes read in one read transaction: a reader's page cache starts empty with each
    /// transaction after a commit, so the B-trees' upper pages are read once for all of them
    /// (1 and 4 did as well on a cold 1,000,000-idea file; 16 worse: the reads are one by one).
    static let batch = 4

    /// Blocks this thread has read from storage (not from the page cache) so far.
    private static func blocksRead() -> Int { clinux_thread_blocks_read() }

    init(database: SQLDatabase, threads: Int = 4, capacity: Int = 256) {
        self.database = database
        self.threads = max(1, threads)
        self.capacity = max(1, capacity)
        for index in 0..<self.threads {
            let thread = Thread { [unowned self] in
                clinux_name_thread("gs-prefetch-\(index)")
                self.loop()
            }
            thread.stackSize = 512 << 10
            thread.start()
        }
    }

    /// Whether the database file at `path` is large enough for prefetching to pay.
    static func pays(forFileAt path: String, minimumBytes: Int64) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && Int64(info.st_size) >= minimumBytes
    }

    /// Asks for the pages of `user`'s vote for `idea` to be read soon.
    func warm(idea: Int64, user: Int64) {
        // While the pages come from the page cache, most hints are not worth a thread's wake-up.
        if !costly.load(ordering: .relaxed), taken.wrappingAdd(1, ordering: .relaxed).oldValue % Self.sampleEvery != 0 { return }
        condition.lock()
        defer { condition.unlock() }
        guard !stopping, pending.count < capacity else {
            dropped.add(1, ordering: .relaxed)
            return
        }
        pending.append((idea, user))
        condition.signal()
    }

    /// Drops what waits and ends the threads (once; later calls return at once).
    func stop() {
        condition.lock()
        let first = !stopping
        stopping = true
        condition.broadcast()
        condition.unlock()
        guard first else { return }
        for _ in 0..<threads { finished.wait() }
    }

    /// The oldest waiting hints, up to `batch`; nil once stopping.
    private func next() -> ArraySlice<(idea: Int64, user: Int64)>? {
        condition.lock()
        defer { condition.unlock() }
        while pending.isEmpty && !stopping { condition.wait() }
        if stopping { return nil }
        let hints = pending.prefix(Self.batch)
        pending.removeFirst(hints.count)
        return hints
    }

    private func loop() {
        while let hints = next() {
            let blocksBefore = Self.blocksRead()
            // A failed read only means the writer reads the pages itself.
            _ = try? database.read { db in
                try db.transaction(.deferred) {
                    for hint in hints { try VoteLedger.readPages(db, ideaID: hint.idea, userID: hint.user) }
                }
            }
            costly.store(Self.blocksRead() > blocksBefore, ordering: .relaxed)
            read.add(hints.count, ordering: .relaxed)
        }
        finished.signal()
    }
}
