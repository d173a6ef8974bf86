import Foundation

/// A result handed from the writer thread to a caller blocked in `SQLWriter.sync`.
/// `@unchecked Sendable`: written once before `signal()`, read after `wait()`.
final class DispatchSemaphoreBox: @unchecked Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    private var result: Any?

    func finish<T>(_ result: Result<T, Error>) {
        self.result = result
        semaphore.signal()
    }

    func wait<T>() throws -> T {
        semaphore.wait()
        return try (result as! Result<T, Error>).get()
    }
}
