import JSON
import Rules
import HTTPServer
import SQLiteStore
import Storage

/// Submitting, reading and browsing ideas.
struct IdeaRoutes {
    let context: AppContext
    let auth: Authenticator
    let searchCache: SearchCache
    /// Bounds uncached searches per client (they cost real work; cached ones are free).
    let searchLimiter: RateLimitMiddleware

    static let statuses = ["submitted", "under_review", "accepted", "in_progress", "launched", "declined", "duplicate"]

    func register(on router: Router) {
        router.post("/ideas") { request in try create(request) }
        router.get("/ideas") { request in try list(request) }
        router.get("/ideas/similar") { request in try similar(request) }
        router.get("/ideas/{id}") { request in try show(request) }
    }

    func create(_ request: Request) throws -> Reply {
        let user = try auth.user(request)
        let body = try RequestBody(request)
        let title = try body.requiredString("title", length: 3...140)
        let description = try body.requiredString("description", length: 1...10_000, multiline: true)
        let category = try body.requiredString("category", length: 1...40)
        let roundID = try body.int("round_id", range: 1...Int64.max, required: false)
        let tier = try body.string("tier", length: 1...40, required: false)
        let requestedAmount = try body.int("requested_amount", range: 1...1_000_000_000_000, required: false)
        if roundID == nil && (tier != nil || requestedAmount != nil) {
            throw APIError.invalid("tier and requested_amount need round_id")
        }
        let now = context.clock.nowMillis()
        // "Did you mean…": ideas that already cover most of this title (SimilarIdeas). Finding
        // them ranks matches, so it runs on the search thread, which then hands the write on.
        return context.backgroundReads.then({ [context] in
            let ranking = context.searchRanking()
            return try context.read { db -> [UInt8] in
                let matches = try SimilarIdeas.find(db, title: title, limit: 3, ranking: ranking).filter { $0.score >= SimilarIdeas.suggestionThreshold }
                var json = JSONWriter(capacity: 1024)
                json.beginArray()
                try IdeaRoutes.writeScored(db, matches, into: &json, cache: context.ideaCache)
                json.endArray()
                return json.bytes
            }
        }, next: { [context] suggestions in context.write(request) { db in
            let category = try Categories.canonical(db, category)
            var entryState: String?
            if let roundID {
                entryState = try RoundEntry.check(db, roundID: roundID, category: category, tier: tier,
                                                  requestedAmount: requestedAmount, now: now)
            }
            let id = try IdeaStore.insert(db, authorID: user.id, title: title, description: description, category: category,
                                          at: now, roundID: roundID, tier: tier, requestedAmount: requestedAmount, entryState: entryState)
            if let roundID, let entryState {
                // "Your idea entered the round" (or awaits its lottery).
                try RoundStore.notifyAuthor(db, round: try RoundStore.require(db, id: roundID), ideaID: id, now: now) { json in
                    json.key("outcome"); json.string(entryState == "entered" ? "entered" : "pending")
                }
            }
            try EventOutbox.emit(db, .ideaCreated, now: now) { json in
                json.beginObject()
                json.key("idea"); try EventOutbox.writeIdea(db, id: id, into: &json)
                json.endObject()
            }
            guard let json = try IdeaJSON.fetch(db, id: id, extra: { _, _, json in
                json.key("similar"); json.raw(suggestions)
                return true
            }) else { throw APIError.unexpected }
            return .json(.created, json)
        } })
    }

    func show(_ request: Request) throws -> Reply {
        let id = try context.pathID(request, what: "idea")
        if let json = try context.visibleIdea(id) { return .response(.json(.ok, json)) }
        // Hidden ideas are 404 to the public but visible to staff.
        if Authenticator.bearerToken(request) != nil, (try? auth.staff(request, role: .moderator)) != nil,
           let json = try context.read({ try IdeaJSON.fetch($0, id: id, includeHidden: true) }) {
            return .response(.json(.ok, json))
        }
        throw APIError.notFound("idea")
    }

    /// Up to 10 visible ideas most like a draft title, so people find a duplicate before
    /// posting (SimilarIdeas: any shared word or CJK bigram, ranked by coverage then BM25).
    func similar(_ request: Request) throws -> Reply {
        guard let title = request.queryItems["title"]?.trimmingWhitespace(), !title.isEmpty else {
            throw APIError.invalid("title is required")
        }
        guard title.unicodeScalars.count <= 140 else { throw APIError.invalid("title must be at most 140 characters") }
        let limit = try PageRequest(request.queryItems, defaultLimit: 10, maxLimit: 10).limit
        guard SearchQuery.any(title) != nil else { return .response(.json(.ok, IdeaRoutes.emptyItems)) }
        return context.backgroundReads.submit { [context] in
            let ranking = context.searchRanking()
            let body = try context.read { db -> [UInt8] in
                var json = JSONWriter(capacity: 4096)
                json.beginObject()
                json.key("items")
                json.beginArray()
                try IdeaRoutes.writeScored(db, try SimilarIdeas.find(db, title: title, limit: limit, ranking: ranking), into: &json,
                                           cache: context.ideaCache)
                json.endArray()
                json.endObject()
                return json.bytes
            }
            return .json(.ok, body)
        }
    }

    /// Ideas in the given order, each with its `similarity` (coverage, 0–1, two decimals).
    static func writeScored(_ db: SQLConnection, _ matches: [SimilarIdeas.Match], into json: inout JSONWriter,
                            cache: IdeaCache?) throws {
        let scores = Dictionary(matches.map { ($0.id, $0.score) }, uniquingKeysWith: { a, _ in a })
        try IdeaJSON.fetchMany(db, ids: matches.map(\.id), into: &json, extra: { id, _, json in
            json.key("similarity"); json.double(((scores[id] ?? 0) * 100).rounded() / 100)
            return true
        }, cache: cache)
    }

    enum Sort: String {
        case top, new, trending, relevance
    }

    func list(_ request: Request) throws -> Reply {
        // Read the commit count before the snapshot: the page is current while it stays put.
        let generation = context.database.writer.commitCount
        if let page = context.pageCache.get(request.target, generation: generation) {
            return .response(.json(.ok, page))
        }
        let page: (body: [UInt8], shape: ListingChanges.Shape?)
        do {
            page = try listPage(request, inline: true, generation: generation)
        } catch is NeedsRanking {
            // Ranking matches costs real work: off the event loop, so it never holds up other requests.
            return context.backgroundReads.submit { [self] in
                let page = try listPage(request, inline: false, generation: generation)
                context.pageCache.put(request.target, page.body, generation: generation, shape: page.shape)
                return .json(.ok, page.body)
            }
        }
        context.pageCache.put(request.target, page.body, generation: generation, shape: page.shape)
        return .response(.json(.ok, page.body))
    }

    /// Thrown by an `inline` listing that would have to rank search matches (no cached ranking).
    struct NeedsRanking: Error {}

    /// The page for `request`. `inline` (on an event loop): throws `NeedsRanking` instead of
    /// ranking search matches; pages from a cached ranking are cheap and stay inline.
    /// `generation`: the commit count read before the page's snapshot (ideas read are kept at it).
    private func listPage(_ request: Request, inline: Bool, generation: UInt64) throws -> (body: [UInt8], shape: ListingChanges.Shape?) {
        let query = request.queryItems
        let page = try PageRequest(query)
        let search = IdeaRoutes.search(query)
        let sort = try IdeaRoutes.sort(query)
        var filter = IdeaStore.Filter()
        if let status = query["status"], !status.isEmpty {
            guard IdeaRoutes.statuses.contains(status) else {
                throw APIError.invalid("status must be one of \(IdeaRoutes.statuses.joined(separator: ", "))")
            }
            filter.status = status
        }
        if let category = query["category"], !category.isEmpty { filter.category = category }
        // Read before the snapshot: a ranking, match set or highlight from an older snapshot is then
        // never stored under a generation that an invalidation after its commit already replaced.
        let searchGeneration = searchCache.currentGeneration
        var matchQuery: SearchQuery?
        var highlight: IdeaJSON.Extra?
        if let search {
            guard let parsed = SearchQuery.all(search) else { return (IdeaRoutes.emptyPage, nil) }
            matchQuery = parsed
            let highlighter = Highlighter(query: parsed)
            highlight = { [searchCache] id, row, json in
                let query = parsed.expression
                if let kept = searchCache.highlight(query: query, id: id) {
                    json.key("highlight")
                    json.raw(kept)
                    return true
                }
                guard let row else { return false }
                json.key("highlight")
                var one = JSONWriter(capacity: 256)
                one.beginObject()
                one.key("title"); row.withText(1) { one.string(highlighter.mark(String(decoding: $0, as: UTF8.self))) }
                one.key("description"); row.withText(2) { one.string(highlighter.snippet(String(decoding: $0, as: UTF8.self))) }
                one.endObject()
                searchCache.putHighlight(one.bytes, query: query, id: id, generation: searchGeneration)
                json.raw(one.bytes)
                return true
            }
            if sort != .relevance {
                if inline { throw NeedsRanking() }
                try searchLimiter.takeSearch(request)
                filter.match = parsed
            }
        }

        // The ideas the page shows, for keeping it past commits that leave them alone (SQLite).
        let shown = PageItems()
        let extra: IdeaJSON.Extra? = context.listingChanges == nil ? highlight : { id, row, json in
            shown.ids.append(id)
            return highlight?(id, row, &json) ?? true
        }
        let body = try context.read { db -> [UInt8] in
            let order: IdeaStore.Order
            var position: IdeaStore.Position?
            switch sort {
            case .new:
                order = .new
                if let text = page.cursor { position = .new(id: try Cursor.decode(text, kind: "new", count: 1).int(0)) }
            case .top:
                order = .top
                if let text = page.cursor {
                    let cursor = try Cursor.decode(text, kind: "top", count: 2)
                    position = .top(votes: try cursor.int(0), id: try cursor.int(1))
                }
            case .trending:
                order = .trending
                if let text = page.cursor {
                    let cursor = try Cursor.decode(text, kind: "trending", count: 2)
                    position = .trending(trend: try cursor.double(0), id: try cursor.int(1))
                }
            case .relevance:
                return try relevancePage(db, query: matchQuery!, filter: filter, page: page, request: request, highlight: extra,
                                         inline: inline, generation: searchGeneration, readAt: generation)
            }
            // A search ordered by votes or trend walks the order in memory through the ideas it
            // matches: kept until an idea's text or visibility changes (votes leave them as they are).
            if context.ranking != nil, order != .new, let match = filter.match {
                if let known = searchCache.matches(query: match.expression) {
                    filter.matchingIDs = known
                } else {
                    let found = try IdeaStore.matchingIDs(db, match)
                    searchCache.putMatches(found, query: match.expression, generation: searchGeneration)
                    filter.matchingIDs = found
                }
            }
            return try IdeaStore.page(db, ranking: context.ranking, filter: filter, order: order, after: position, limit: page.limit,
                                      extra: extra, cache: context.ideaCache, readAt: generation)
        }
        return (body, context.listingChanges == nil ? nil : shape(of: shown.ids, sort: sort, page: page))
    }

    /// The words searched for, if any.
    private static func search(_ query: QueryItems) -> String? {
        query["q"].map { $0.trimmingWhitespace() }.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The list's order: `sort`, or newest first (relevance with `q`).
    private static func sort(_ query: QueryItems) throws -> Sort {
        let search = search(query)
        guard let raw = query["sort"], !raw.isEmpty else { return search == nil ? .new : .relevance }
        guard let parsed = Sort(rawValue: raw) else {
            throw APIError.invalid("sort must be one of top, new, trending\(search == nil ? "" : ", relevance")")
        }
        if parsed == .relevance && search == nil { throw APIError.invalid("sort=relevance needs q") }
        return parsed
    }

    /// What keeps a page built from the list at `query` that showed `ids` (the site's search
    /// page) past a commit, as for the list itself; nil when nothing does.
    func shape(ofListAt query: QueryItems, showing ids: [Int64]) -> ListingChanges.Shape? {
        guard context.listingChanges != nil, let page = try? PageRequest(query), let sort = try? IdeaRoutes.sort(query) else { return nil }
        return shape(of: ids, sort: sort, page: page)
    }

    /// Collects the ideas a page writes (on the thread building it).
    private final class PageItems {
        var ids: [Int64] = []
    }

    /// What keeps a page valid past a commit: its ideas and, ordered by votes or trend, the key of
    /// its last item — only for a full first page (a later or partial page has edges of its own
    /// that a moving idea could cross: nil, kept for its commit alone).
    private func shape(of ids: [Int64], sort: Sort, page: PageRequest) -> ListingChanges.Shape? {
        switch sort {
        case .new, .relevance:
            return ListingChanges.Shape(ids: ids, bound: nil)
        case .top, .trending:
            let distinct = Set(ids)
            guard page.cursor == nil, distinct.count == page.limit, let ranking = context.ranking else { return nil }
            var ideas: [(id: Int64, idea: Leaderboard.Idea)] = []
            for id in distinct {
                guard let idea = ranking.idea(id) else { return nil }
                ideas.append((id, idea))
            }
            if sort == .top {
                guard let last = ideas.map({ Leaderboard.TopKey(votes: $0.idea.votes, id: $0.id) }).max() else { return nil }
                return ListingChanges.Shape(ids: ids, bound: .top(last))
            }
            guard let last = ideas.map({ Leaderboard.TrendKey(trend: $0.idea.trend, id: $0.id) }).max() else { return nil }
            return ListingChanges.Shape(ids: ids, bound: .trending(last))
        }
    }

    /// Relevance pages are positions in a ranking taken at the first page (the snapshot is
    /// the highest idea id then), because BM25 scores shift as the corpus grows: ideas
    /// submitted while someone pages never appear in, or shift, their later pages.
    private func relevancePage(_ db: SQLConnection, query: SearchQuery, filter: IdeaStore.Filter,
                               page: PageRequest, request: Request,
                               highlight: IdeaJSON.Extra?, inline: Bool, generation: UInt64,
                               readAt commitCount: UInt64) throws -> [UInt8] {
        let snapshot: Int64
        let offset: Int
        if let text = page.cursor {
            let cursor = try Cursor.decode(text, kind: "relevance", count: 2)
            snapshot = try cursor.int(0)
            offset = Int(clamping: try cursor.int(1))
            guard offset >= 0, offset <= 1_000_000 else { throw APIError.invalid("cursor is not a valid cursor") }
        } else {
            snapshot = try IdeaStore.snapshot(db)
            offset = 0
        }
        let filterKey = filter.cacheKey
        func rank(limit: Int, offset: Int) throws -> [Int64] {
            try IdeaStore.rank(db, query: query, snapshot: snapshot, filter: filter, limit: limit, offset: offset,
                               ranking: SearchRanking(lengths: context.docLengths, readAt: commitCount))
        }
        let expression = query.expression  // the cache key: every spelling of one query shares it
        var ids: [Int64]
        var more: Bool
        var entry = searchCache.get(query: expression, filters: filterKey, snapshot: snapshot)
        if entry == nil || !(offset + page.limit <= entry!.ids.count || entry!.complete) {
            if inline { throw NeedsRanking() }
        }
        if entry == nil { try searchLimiter.takeSearch(request) }
        if entry == nil && offset < searchCache.maxIDs {
            let ranked = try rank(limit: searchCache.maxIDs + 1, offset: 0)
            let fresh = SearchCache.Entry(ids: Array(ranked.prefix(searchCache.maxIDs)), complete: ranked.count <= searchCache.maxIDs)
            searchCache.put(fresh, query: expression, filters: filterKey, snapshot: snapshot, generation: generation)
            entry = fresh
        }
        if let entry, offset + page.limit <= entry.ids.count || entry.complete {
            let end = min(entry.ids.count, offset + page.limit)
            ids = offset < end ? Array(entry.ids[offset..<end]) : []
            more = end < entry.ids.count || !entry.complete
        } else {
            let ranked = try rank(limit: page.limit + 1, offset: offset)
            ids = Array(ranked.prefix(page.limit))
            more = ranked.count > page.limit
        }
        var json = JSONWriter(capacity: 512 * max(1, ids.count))
        json.beginObject()
        json.key("items")
        json.beginArray()
        try IdeaJSON.fetchMany(db, ids: ids, into: &json, extra: highlight, cache: context.ideaCache, readAt: commitCount)
        json.endArray()
        json.key("next_cursor")
        json.optionalString(more ? Cursor(kind: "relevance", values: [String(snapshot), String(offset + ids.count)]).encoded : nil)
        json.endObject()
        return json.bytes
    }

    static let emptyPage = Array(#"{"items":[],"next_cursor":null}"#.utf8)
    static let emptyItems = Array(#"{"items":[]}"#.utf8)
}
