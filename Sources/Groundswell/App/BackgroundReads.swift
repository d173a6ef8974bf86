import CLinux
import Foundation
import HTTPServer
import Logging

/// Reads too costly for an event loop — searches that miss every cache rank thousands of
/// matches, pages that are not kept — run on threads of their own (one queue, `threads` takers),
/// so a burst of them delays others of their kind, never `/healthz`, a kept page or a vote. The
/// queue is bounded: beyond `capacity` waiting reads, a new one is answered `503 overloaded`
/// with `Retry-After` at once.
final class BackgroundReads: @unchecked Sendable {  // queue and flag guarded by `condition`
    private let condition = NSCondition()
    private var queue: [@Sendable () -> Void] = []
    private var stopping = false
    private let capacity: Int
    private let logger: Logger
    private let finished = DispatchSemaphore(value: 0)
    /// The answer when the queue is full.
    private let busy: HTTPError

    /// How the thread competes for the cores with the threads that serve requests.
    enum Priority: Sendable {
        /// Like every other thread: work a request is waiting for.
        case normal
        /// A nice value above 0 (Linux keeps one per thread): work a request waits for but that
        /// may take seconds of a core, such as an engagement report nobody has computed yet.
        case nice(Int32)
        /// Linux `SCHED_IDLE`: the thread runs only on a core that nothing else wants (a nice
        /// thread still takes turns with a waking writer or event loop). For work nobody waits
        /// for, such as recomputing a report in the background. A thread never leaves it: going
        /// back to normal needs `CAP_SYS_NICE`.
        case idle
    }

    /// `threads`: how many threads take jobs from the one queue (named `name-N` when more than one).
    init(capacity: Int = 256, logger: Logger, name: String = "gs-reads", busy: HTTPError = APIError.busy,
         priority: Priority = .normal, threads: Int = 1) {
        self.capacity = capacity
        self.logger = logger
        self.busy = busy
        self.threads = max(1, threads)
        for index in 0..<self.threads {
            let thread = Thread { [unowned self] in
                clinux_name_thread(self.threads == 1 ? name : "\(name)-\(index)")
                BackgroundReads.apply(priority)
                self.loop()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }
    /// How many threads take jobs from the queue.
    let threads: Int

    /// Jobs waiting for a thread.
    var queued: Int {
        condition.lock()
        defer { condition.unlock() }
        return queue.count
    }

    /// Runs `work` on the background thread; the reply completes when it returns.
    func submit(context: String = "a search", _ work: @escaping @Sendable () throws -> Response) -> Reply {
        submit(context: context, replying: { .response(try work()) })
    }

    /// Runs `read` on the background thread, then hands its value to `next` (still on that
    /// thread), whose reply — typically a write's promise — answers the request. For a write
    /// that needs a costly read first, without blocking an event loop or the writer.
    func then<T: Sendable>(_ read: @escaping @Sendable () throws -> T, context: String = "a read before a write",
                           next: @escaping @Sendable (T) -> Reply) -> Reply {
        submit(context: context, replying: { next(try read()) })
    }

    /// Runs `work` on the background thread; the reply it returns (a promise, possibly) answers the
    /// request, and an error it throws is answered as the API answers errors.
    func submit(context: String, replying work: @escaping @Sendable () throws -> Reply) -> Reply {
        let promise = ResponsePromise()
        let logger = self.logger
        let job: @Sendable () -> Void = {
            do {
                try work().whenComplete { promise.succeed($0) }
            } catch {
                promise.succeed(APIError.response(for: error, logger: logger, context: context))
            }
        }
        guard enqueue(job) else { return .response(busy.response) }
        return .promise(promise)
    }

    /// Runs `job` on the background thread with no request waiting for it; false when the
    /// queue is full or stopping (the job is then dropped).
    func run(_ job: @escaping @Sendable () -> Void) -> Bool { enqueue(job) }

    /// Queues `job`; false when the queue is full or stopping.
    private func enqueue(_ job: @escaping @Sendable () -> Void) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping, queue.count < capacity else { return false }
        queue.append(job)
        condition.signal()
        return true
    }

    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
        for _ in 0..<threads { finished.wait() }
    }

    /// Sets the calling thread's priority.
    private static func apply(_ priority: Priority) {
        #if os(Linux)
        switch priority {
        case .normal:
            break
        case .nice(let niceness):
            // On Linux "who = 0" is the calling thread, not the whole process.
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness)
        case .idle:
            _ = clinux_thread_idle_priority()
        }
        #endif
    }

    private func loop() {
        while true {
            condition.lock()
            while queue.isEmpty && !stopping { condition.wait() }
            if queue.isEmpty {
                condition.unlock()
                break
            }
            let job = queue.removeFirst()
            condition.unlock()
            job()
        }
        finished.signal()
    }
}
