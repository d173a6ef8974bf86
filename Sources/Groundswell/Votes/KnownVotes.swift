import HTTPServer
import Synchronization

/// Customers known to have voted for an idea outside rounds, so that voting for it again is
/// answered `409 already_voted` on the event loop instead of through the writer and a WAL
/// flush. One hot idea (a round's final, a campaign link going round) brings the same
/// customers back again and again; each repeat used to wait for someone else's fsync.
///
/// Only a repeat the writer itself refused is remembered (once that batch is on disk), so the
/// table holds the pairs people actually repeat, not every vote. It is a hint in one
/// direction only: a pair missing from it goes to the writer as before; a pair in it is a
/// committed vote, because every commit that deletes or moves votes, or deletes a customer,
/// empties the table (`clear`) before any request of that commit is answered, and a refusal
/// read before such a commit is not remembered after it (`generation`). SQLite only: on
/// PostgreSQL other nodes delete votes this process never sees.
public final class KnownVotes: Sendable {
    private struct Pair: Hashable {
        let user: Int64
        let idea: Int64
    }

    private struct State {
        var pairs = Set<Pair>()
        var generation: UInt64 = 0
    }

    private let state = Mutex(State())
    private let refused = Atomic<Int>(0)
    /// Pairs held before the table starts again from empty (a Set of 16-byte pairs: ~0.5 MB).
    let capacity: Int

    public init(capacity: Int = 16_384) {
        self.capacity = capacity
    }

    /// Whether `user` is known to have a committed vote for `idea` outside rounds.
    public func contains(user: Int64, idea: Int64) -> Bool {
        state.withLock { $0.pairs.contains(Pair(user: user, idea: idea)) }
    }

    /// Moves with every `clear`: read it where the writer refuses a repeat, and hand it to `remember`.
    public var generation: UInt64 { state.withLock { $0.generation } }

    /// A repeat the writer refused, and the generation it read when it did (set on the writer
    /// thread, read once the batch is durable: hence the atomic).
    final class Refusal: Sendable {
        private let generation = Atomic<UInt64>(.max)
        func refused(at generation: UInt64) { self.generation.store(generation, ordering: .releasing) }
        var refusedAt: UInt64? {
            let value = generation.load(ordering: .acquiring)
            return value == .max ? nil : value
        }
    }

    /// Once the batch is on disk (or failed): remembered if the answer is the writer's refusal
    /// (a batch that failed to commit answers with its own error: the vote refused against may
    /// have been in it).
    func remember(user: Int64, idea: Int64, _ refusal: Refusal, answered result: Result<Response, any Error>) {
        guard case .failure(let error) = result, (error as? HTTPError)?.code == ErrorCode.alreadyVoted.rawValue,
              let generation = refusal.refusedAt else { return }
        remember(user: user, idea: idea, generation: generation)
    }

    /// Remembered unless votes were deleted since `generation` was read (the refusal may no
    /// longer hold).
    public func remember(user: Int64, idea: Int64, generation: UInt64) {
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.pairs.count >= capacity { state.pairs.removeAll(keepingCapacity: true) }
            state.pairs.insert(Pair(user: user, idea: idea))
        }
    }

    /// After a commit that deleted or moved votes or deleted customers.
    public func clear() {
        state.withLock { state in
            state.generation &+= 1
            state.pairs.removeAll(keepingCapacity: true)
        }
    }

    public var count: Int { state.withLock { $0.pairs.count } }

    /// Counts a repeat refused from memory (for /metrics).
    func noteRefusal() { refused.add(1, ordering: .relaxed) }

    /// Repeats refused from memory so far.
    public var refusals: Int { refused.load(ordering: .relaxed) }
}
