import Foundation
import PostgresStore
import Synchronization

/// Listens on its own connection for the other nodes' `NOTIFY groundswell_commits` and tells this
/// node's writer, which moves its commit count and calls its commit observers (caches emptied,
/// live streams refreshed) — the same path as a local commit. While the connection is down it
/// retries each second, and after reconnecting reports one commit, since it may have missed some.
/// `@unchecked Sendable`: `stopping` is atomic; the connection belongs to the listener thread.
final class PostgresCommitListener: @unchecked Sendable {
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    /// Starts listening; returns once the first LISTEN is in place (so no commit after start-up is missed).
    init(url: String, node: String, onRemoteCommit: @escaping @Sendable () -> Void) throws {
        let first = try PostgresConnection(url: url)
        try first.listen(PostgresWriter.channel)
        let thread = Thread { [self] in
            var connection: PostgresConnection? = first
            while !self.stopping.load(ordering: .relaxed) {
                guard let listening = connection else {
                    Thread.sleep(forTimeInterval: 1)
                    if let fresh = try? PostgresConnection(url: url), (try? fresh.listen(PostgresWriter.channel)) != nil {
                        connection = fresh
                        onRemoteCommit()
                    }
                    continue
                }
                do {
                    let payloads = try listening.notifications(timeout: 0.25)
                    if payloads.contains(where: { $0 != node }) { onRemoteCommit() }
                } catch {
                    connection = nil
                }
            }
            connection?.close()
            self.finished.signal()
        }
        thread.name = "groundswell-listen"
        thread.start()
    }

    func close() {
        guard !stopping.exchange(true, ordering: .relaxed) else { return }
        finished.wait()
    }
}
