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
    /// when there is something to take in. On the analytics thread: a window left open in
    /// `rollup_marks` whose copy the scheduler is not keeping (it is writing it right now, or the
    /// server restarted) is aggregated there on a reader, not inside the writer's transaction.
    static func catchUp(_ context: AppContext) -> Reply {
        let done = Response(status: .noContent, contentType: nil)
        let behind = (try? context.read { db in try EngagementRollup.behind(db) }) ?? true
        guard behind || context.readerLog.pending > 0 else { return .response(done) }
        return context.engagement.background(context: "the engagement rollup") {
            let kept = try context.rollupWindow.take() ?? context.read { db in try EngagementRollup.openWindow(db) }
            // Taken only now, and put back if the write fails: the next rollup counts them.
            let views = context.readerLog.drain()
            do {
                _ = try context.database.writer.sync { db in
                    try context.rollupStats.measure { try EngagementRollup.catchUp(db, views: views, now: context.clock.nowMillis(), kept: kept) }
                }
            } catch {
                context.readerLog.restore(views)
                throw error
            }
            return done
        }
    }
}
