import HTTPServer

/// `GET /admin/engagement` (JSON) and `GET /admin/engagement.csv?table=…` (each table as CSV):
/// staff (moderators and admins); the advocates' emails — only of those who opted in to
/// contact — only for admins, only in the CSV. The rollup catches up first (on the writer),
/// then the report comes from `EngagementSnapshots` (computed on the analytics thread, never on an
/// event loop).
struct EngagementRoutes {
    let context: AppContext
    let auth: Authenticator

    func register(on router: Router) {
        router.get("/admin/engagement") { request in try report(request, csv: false) }
        router.get("/admin/engagement.csv") { request in try report(request, csv: true) }
    }

    func report(_ request: Request, csv: Bool) throws -> Reply {
        let staff = try auth.staff(request, role: .moderator)
        var query = try EngagementQuery(request.queryItems, now: context.clock.nowMillis())
        let table = request.queryItems["table"] ?? "ladder"
        if csv && !EngagementJSON.tables.contains(table) {
            throw APIError.invalid("table must be one of \(EngagementJSON.tables.joined(separator: ", "))")
        }
        if let category = query.category { query.category = try context.read { db in try Categories.canonical(db, category) } }
        let withEmails = csv && staff.role == .admin
        return EngagementRoutes.report(context, query, withEmails: withEmails, variant: csv ? "csv:" + table : "json") { report in
            guard csv else { return Response.json(.ok, EngagementJSON.write(report)) }
            var response = Response(status: .ok, body: Array(EngagementJSON.csv(report, table: table).utf8),
                                    contentType: "text/csv; charset=utf-8")
            response.headers.set("Content-Disposition", "attachment; filename=\"engagement-\(table).csv\"")
            if withEmails { response.headers.set("Cache-Control", "no-store") }
            return response
        }
    }

    /// The report for `query` — a snapshot fresh enough (`EngagementSnapshots`), or else the
    /// rollup caught up (on the writer) and the report computed on the analytics thread — handed
    /// to `respond`.
    /// `variant`: what `respond` makes of the report, for reusing it (`EngagementSnapshots`).
    static func report(_ context: AppContext, _ query: EngagementQuery, withEmails: Bool, variant: String? = nil,
                       respond: @escaping @Sendable (EngagementReport) -> Response) -> Reply {
        context.engagement.answer(EngagementSnapshots.Key(query, withEmails: withEmails),
                                  version: { version(context) }, prepare: { catchUp(context) },
                                  build: { try build(context, query, withEmails: withEmails) }, variant: variant, respond: respond)
    }

    /// Computes the console's default views (the whole site, the last 12 weeks, days or months;
    /// each category's weeks) in the background unless reports of them are kept, so a first visit
    /// is answered at once.
    static func warm(_ context: AppContext) {
        var views: [[(name: String, value: String)]] = [[("interval", "week")], [("interval", "day")], [("interval", "month")]]
        // The console's category filter: each category's weekly view too (a site has a handful).
        let categories = (try? context.read { db in try Categories.names(db) }) ?? []
        if categories.count <= 20 { views += categories.map { [("interval", "week"), ("category", $0)] } }
        for items in views {
            guard let query = try? EngagementQuery(QueryItems(items: items), now: context.clock.nowMillis()) else { continue }
            context.engagement.warm(EngagementSnapshots.Key(query, withEmails: false), version: { version(context) },
                                    build: { try build(context, query, withEmails: false) })
        }
    }

    /// What a kept report must have seen to be exact: the writer's commit count, and no page views
    /// waiting in memory for the rollup (reading changes the ladder without a commit).
    static func version(_ context: AppContext) -> UInt64 {
        context.database.writer.commitCount | (context.readerLog.pending > 0 ? 1 << 63 : 0)
    }

    /// Reads the report in one snapshot, noting when.
    static func build(_ context: AppContext, _ query: EngagementQuery, withEmails: Bool) throws -> EngagementReport {
        let now = context.clock.nowMillis()
        var report = try context.read { db in try EngagementReport.build(db, query, withEmails: withEmails) }
        report.asOf = now
        return report
    }

    /// Brings the rollup up to date (page views waiting, rows not yet taken in); commits only
    /// when there is something to take in. On the analytics thread, in the scheduler's slices
    /// (`EngagementRollup.scheduledWrite`: each window aggregated on a reader, written ~2 ms of the
    /// writer at a time), not in one write: at a million customers under a vote flood one write of
    /// a 20,000-row batch held the votes queued behind it for 236–406 ms (docs/performance.md,
    /// session 46). Without rests between slices, since a request waits. It takes in the window
    /// left open (by the scheduler, or before a restart) and one more: under a flood new rows keep
    /// coming, and the report is read after what it took in.
    static func catchUp(_ context: AppContext) -> Reply {
        let done = Response(status: .noContent, contentType: nil)
        let behind = (try? context.read { db in try EngagementRollup.behind(db) }) ?? true
        guard behind || context.readerLog.pending > 0 else { return .response(done) }
        return context.engagement.background(context: "the engagement rollup") {
            var open = context.rollupWindow.take()
            // Taken only now, and put back unless a write took them: the next rollup counts them.
            var views = context.readerLog.drain()
            defer { context.readerLog.restore(views) }
            var windows = 0
            while true {
                let outcome = try EngagementRollup.scheduledWrite(context, window: &open, views: views)
                if outcome.gaveUp { break }
                views = [:]
                if open == nil { windows += 1 }
                if !outcome.more || windows == 2 { break }
            }
            context.rollupWindow.keep(open)
            return done
        }
    }
}
