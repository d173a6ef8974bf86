import Foundation
import HTTPServer
import Logging

/// Reads too costly for an event loop — searches that miss every cache rank thousands of
/// matches — run on their own thread, so a burst of them delays other searches, never
/// `/healthz`, an idea page or a vote. The queue is bounded: beyond `capacity` waiting
/// reads, a new one is answered `503 overloaded` with `Retry-After` at once.
final class BackgroundReads: @unchecked Sendable {  // queue and flag guarded by `condition`
    private let condition = NSCondition()
    private var queue: [() -> Void] = []
    private var stopping = false
    private let capacity: Int
    private let logger: Logger
    private let finished = DispatchSemaphore(value: 0)

    init(capacity: Int = 256, logger: Logger) {
        self.capacity = capacity
        self.logger = logger
        let thread = Thread { [unowned self] in self.loop() }
        thread.name = "groundswell-reads"
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Runs `work` on the background thread; the reply completes when it returns.
    func submit(_ work: @escaping () throws -> Response) -> Reply {
        let promise = ResponsePromise()
        let logger = self.logger
        let job = {
            do {
                promise.succeed(try work())
            } catch {
                promise.succeed(APIError.response(for: error, logger: logger, context: "a search"))
            }
        }
        condition.lock()
        guard !stopping, queue.count < capacity else {
            condition.unlock()
            return .response(APIError.busy.response)
        }
        queue.append(job)
        condition.signal()
        condition.unlock()
        return .promise(promise)
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
