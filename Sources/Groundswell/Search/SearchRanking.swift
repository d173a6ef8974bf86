import SQLiteStore

/// What a relevance ranking on SQLite needs to use the document lengths kept in memory
/// (`FullTextDocLengths`) instead of FTS5's per-match `_docsize` lookups: the table, and the
/// writer's commit count read before the query's snapshot began. Without either (PostgreSQL, a
/// tool, a ranking inside a write) the function reads lengths from FTS5, as `bm25()` does.
struct SearchRanking {
    /// The ranking function's name in SQL: `gs_bm25(ideas_fts, valid_at, 10.0, 1.0)`.
    static let function = "gs_bm25"
    /// FTS5's table of per-row sizes for `ideas_fts`.
    static let docsizeTable = "ideas_fts_docsize"

    let lengths: FullTextDocLengths?
    let readAt: UInt64?

    static let none = SearchRanking(lengths: nil, readAt: nil)

    /// The function's `valid_at` argument: -1 unless the table matches the query's snapshot.
    var validity: Int64 { lengths?.validity(readAt: readAt) ?? -1 }

    /// Runs a ranking query with the function's `valid_at` argument and, when a commit that
    /// changed documents landed while it ran (a kept length may then not be its snapshot's),
    /// once more with -1: FTS5's own lengths.
    func run<T>(_ query: (_ validAt: Int64) throws -> T) rethrows -> T {
        let validity = self.validity
        let result = try query(validity)
        guard validity >= 0, let lengths, !lengths.stillValid(readAt: readAt) else { return result }
        return try query(-1)
    }
}

extension SearchRanking {
    /// Loads `context.docLengths` on the search thread after start-up (rankings read lengths
    /// from the index until then); tried again while ideas' text changes during a load, and by
    /// the scheduler's minute if it is still not ready. Nothing when loaded or loading.
    static func loadLengths(_ context: AppContext) {
        guard let lengths = context.docLengths, !lengths.isReady,
              context.loadingLengths.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return }
        let queued = context.backgroundReads.run {
            defer { context.loadingLengths.store(false, ordering: .releasing) }
            let start = ContinuousClock.now
            for _ in 0..<5 {
                let readAt = context.database.writer.commitCount
                do {
                    if try context.read({ db in try lengths.load(db.sqlite!, docsizeTable: docsizeTable, readAt: readAt) }) {
                        context.logger.info("search document lengths loaded in \(ContinuousClock.now - start)")
                        return
                    }
                } catch {
                    context.logger.error("could not load search document lengths; rankings read them from the index: \(error)")
                    return
                }
            }
            context.logger.notice("search document lengths kept changing while loading; rankings read them from the index")
        }
        if !queued { context.loadingLengths.store(false, ordering: .releasing) }
    }
}
