import CLinux
import Foundation
import Synchronization

/// Makes the writer's commits durable on a thread of its own, so the writer runs the next
/// batch while the disk flushes the last one (pipelined group commit). The writer commits with
/// its WAL sync deferred (`CSQLitePacing`): the frames are written and the commit is published,
/// then the batch is handed here; this thread fdatasyncs the WAL once for every batch that
/// queued meanwhile and only then answers their jobs, in commit order. So no job that changed
/// the database is answered before the fsync that covers its commit, as with SQLite's own sync,
/// but a flush no longer stops the writer. (Jobs that failed, and so changed nothing, are
/// answered by the writer right after their commit.) Readers may see a commit a few
/// milliseconds before it is on disk; after a power loss such a commit may be gone, never one
/// that was acknowledged. A batch that could not commit is answered here too, in order, so no
/// such answer overtakes the durability of an earlier commit.
/// With nothing queued behind a commit and nothing earlier unanswered, the writer flushes and
/// answers it itself (`flushHere`): the hand-over here and back costs two wake-ups, each of which
/// waits for a core when the machine is busy with reads.
/// Flushes are paced (`FlushPacing`): when few jobs share each flush, the disk rests briefly
/// between flushes so that more batches share the next one.
final class CommitSyncer: Sendable {
    /// A batch, the WAL descriptor to flush before answering it (-1: none), and why it failed.
    private struct Committed {
        let jobs: [WriteJob]
        let fd: Int32
        let failure: Error?
    }

    private let pending = DrainQueue<Committed>()
    private let finished = DispatchSemaphore(value: 0)
    private let counters = Mutex(WALSyncStatistics())
    /// Batches handed over and not yet answered. Only the writer adds to it, so when the writer
    /// reads zero every earlier commit has been flushed and answered, and stays so until it
    /// hands over another.
    private let outstanding = Atomic<Int>(0)
    private let pacing = Mutex(FlushPacing())

    init() {
        let thread = Thread { [unowned self] in
            clinux_name_thread("gs-syncer")
            self.loop()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Called by the writer right after a commit with the descriptor `CSQLitePacing` deferred.
    /// `failure`: the batch was rolled back; its jobs fail with it, still in order.
    func committed(_ jobs: [WriteJob], fd: Int32, failure: Error?) {
        // Never refused: the writer stops this thread only after its last batch.
        outstanding.add(1, ordering: .relaxed)
        _ = pending.append(Committed(jobs: jobs, fd: fd, failure: failure))
    }

    /// Whether every batch handed over so far has been flushed and answered (writer thread).
    var isIdle: Bool { outstanding.load(ordering: .acquiring) == 0 }

    /// Nanoseconds until the next flush may start (0: now).
    func restLeft() -> UInt64 {
        let now = DispatchTime.now().uptimeNanoseconds
        return pacing.withLock { $0.rest(at: now) }
    }

    /// Flushes `fd` and answers `jobs` on the calling thread (the writer's), counted like this
    /// thread's flushes. Only when `isIdle`: nothing earlier is waiting to be answered first.
    func flushHere(_ jobs: [WriteJob], fd: Int32) {
        WriteJob.answer(jobs, failure: fd >= 0 ? flush(fd, jobs: jobs.count) : nil)
    }

    /// fdatasync calls so far and the time spent in them; the rests before flushes and their time.
    var statistics: WALSyncStatistics { counters.withLock { $0 } }

    /// Answers everything queued, then stops. The writer calls it before its connection (whose
    /// WAL descriptor this thread uses) can close.
    func stop() {
        if pending.close() { finished.wait() }
    }

    private func loop() {
        while var group = pending.take() {
            // Resting only delays a group that has something to flush.
            let rest = group.contains { $0.fd >= 0 } ? restLeft() : 0
            if rest > 0 {
                let start = DispatchTime.now().uptimeNanoseconds
                usleep(UInt32(rest / 1000))
                group += pending.takeNow()
                let rested = DispatchTime.now().uptimeNanoseconds - start
                counters.withLock {
                    $0.rests += 1
                    $0.restNanos += rested
                }
            }
            var flushFailure: Error?
            // The batches share one WAL: one flush covers every frame written before it starts.
            var flushed: Set<Int32> = []
            for batch in group where batch.fd >= 0 && !flushed.contains(batch.fd) {
                flushed.insert(batch.fd)
                let jobs = group.reduce(0) { $1.fd == batch.fd ? $0 + $1.jobs.count : $0 }
                if let failure = flush(batch.fd, jobs: jobs) { flushFailure = failure }
            }
            for batch in group {
                WriteJob.answer(batch.jobs, failure: batch.failure ?? flushFailure)
            }
            outstanding.subtract(group.count, ordering: .releasing)
        }
        finished.signal()
    }

    /// fdatasync of `fd` for `jobs` jobs, counted; the error when the commit is not known to be on disk.
    private func flush(_ fd: Int32, jobs: Int) -> Error? {
        let start = DispatchTime.now().uptimeNanoseconds
        let rc = fdatasync(fd)
        let end = DispatchTime.now().uptimeNanoseconds
        let elapsed = end - start
        pacing.withLock { $0.flushed(jobs: jobs, start: start, end: end) }
        counters.withLock {
            $0.syncs += 1
            $0.nanos += elapsed
        }
        guard rc != 0 else { return nil }
        // Like SQLite's own failed sync: the commit is not known to be on disk, so nobody is told
        // it is. (It stays visible; the next checkpoint syncs again.)
        return SQLiteError(code: SQLiteError.ioErrorFsync,
                           message: "could not flush the write-ahead log: \(String(cString: strerror(errno)))")
    }
}
