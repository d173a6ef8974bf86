import Synchronization

/// Customers the writer has refused a repeated vote for an idea outside rounds, so that their
/// next repeat is answered `409 already_voted` on the event loop, without a batch of the writer.
/// One hot idea (a round's final, a campaign link going round) brings the same customers back
/// again and again, and each repeat used to queue behind the writer's counted votes.
///
/// A hint in one direction only: a pair it lacks goes to the writer as before. A pair it holds
/// is answered exactly as the writer would answer it, because the writer forgets, before any
/// request of that commit is answered, every pair whose answer a commit may have changed: the
/// pairs of an idea whose row changed other than by a counted vote (hidden, merged, moved by a
/// round's close — each answered otherwise by the writer), and all pairs when a vote row
/// was deleted (a retraction, voiding, a merge moving it). A refusal is remembered after its own
/// commit only if nothing was forgotten since the refusal read the table (`generation`): a job
/// later in the same batch may have hidden the idea or retracted the vote.
///
/// SQLite only: on PostgreSQL other nodes change votes this process never sees.
final class KnownVotes: Sendable {
    private struct State {
        /// Idea → the customers refused a repeat of their vote for it.
        var voters: [Int64: Set<Int64>] = [:]
        var count = 0
        /// Moves with every forget (writer thread).
        var generation: UInt64 = 0
    }

    private let state = Mutex(State())
    private let refused = Atomic<Int>(0)
    /// Pairs held before the table starts again from empty. At the default ~2.8 MiB when they
    /// share ideas (40 a idea), ~10 MiB at worst (each on an idea of its own: a set per idea).
    let capacity: Int

    init(capacity: Int = 65_536) {
        self.capacity = capacity
    }

    /// Whether the customer's vote for the idea is known to be there, and a repeat refused.
    func contains(idea: Int64, user: Int64) -> Bool {
        state.withLock { $0.voters[idea]?.contains(user) ?? false }
    }

    /// Read by the writer where it refuses a repeat; handed to `remember` after the commit.
    var generation: UInt64 { state.withLock { $0.generation } }

    /// After the commit of a refusal read at `generation` (writer thread): remembered unless
    /// something was forgotten since.
    func remember(idea: Int64, user: Int64, readAt generation: UInt64) {
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.count >= capacity {
                state.voters.removeAll()
                state.count = 0
            }
            if state.voters[idea, default: []].insert(user).inserted { state.count += 1 }
        }
    }

    /// A commit changed these ideas' rows other than by counted votes (writer thread).
    func forget(ideas: some Sequence<Int64>) {
        state.withLock { state in
            var any = false
            for idea in ideas {
                any = true
                if let users = state.voters.removeValue(forKey: idea) { state.count -= users.count }
            }
            if any { state.generation &+= 1 }
        }
    }

    /// A commit deleted vote rows (writer thread).
    func forgetAll() {
        state.withLock { state in
            state.voters.removeAll()
            state.count = 0
            state.generation &+= 1
        }
    }

    /// Pairs held now.
    var count: Int { state.withLock { $0.count } }

    /// Counts a repeat answered from the table (for /metrics).
    func noteRefusal() { refused.add(1, ordering: .relaxed) }

    /// Repeats answered from the table so far.
    var refusals: Int { refused.load(ordering: .relaxed) }
}
