import CLinux
import Foundation
import HTTPServer
import Logging

/// Reads too costly for an event loop — searches that miss every cache rank thousands of
/// matches — run on their own thread, so a burst of them delays other searches, never
/// `/healthz`, an idea page or a vote. The queue is bounded: beyond `capacity` waiting
/// reads, a new one is answered `503 overloaded` with `Retry-After` at once.
final class BackgroundReads: @unchecked Sendable {  // queue and flag guarded by `condition`
    private let condition = NSCondition()
    private var queue: [@Sendable () -> Void] = []
    private var stopping = false
    private let capacity: Int
    private let logger: Logger
    private let finished = DispatchSemaphore(value: 0)
    /// The answer when the queue is full.
    private let busy: HTTPError

    /// `niceness`: above 0, the thread yields the cores to request-serving threads (Linux keeps
    /// a nice value per thread): for work nobody waits on at once, such as analytics.
    init(capacity: Int = 256, logger: Logger, name: String = "gs-reads", busy: HTTPError = APIError.busy,
         niceness: Int32 = 0) {
        self.capacity = capacity
        self.logger = logger
        self.busy = busy
        let thread = Thread { [unowned self] in
            clinux_name_thread(name)
            // On Linux "who = 0" is the calling thread, not the whole process.
            if niceness != 0 { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness) }
            self.loop()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Runs `work` on the background thread; the reply completes when it returns.
    func submit(_ work: @escaping @Sendable () throws -> Response) -> Reply {
        then(work, context: "a search") { .response($0) }
    }

    /// Runs `read` on the background thread, then hands its value to `next` (still on that
    /// thread), whose reply — typically a write's promise — answers the request. For a write
    /// that needs a costly read first, without blocking an event loop or the writer.
    func then<T: Sendable>(_ read: @escaping @Sendable () throws -> T, context: String = "a read before a write",
                           next: @escaping @Sendable (T) -> Reply) -> Reply {
        let promise = ResponsePromise()
        let logger = self.logger
        let job: @Sendable () -> Void = {
            do {
                switch next(try read()) {
                case .response(let response): promise.succeed(response)
                case .promise(let later): later.whenComplete { promise.succeed($0) }
                }
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
        condition.signal()
        condition.unlock()
        finished.wait()
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
