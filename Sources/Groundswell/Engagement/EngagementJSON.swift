import JSON
import Rules

/// `GET /admin/engagement` as JSON, and each of its tables as CSV (`GET /admin/engagement.csv?table=`).
enum EngagementJSON {
    static func write(_ report: EngagementReport) -> [UInt8] {
        var json = JSONWriter(capacity: 16 * 1024)
        let query = report.query
        json.beginObject()
        json.key("from"); json.string(EngagementQuery.dateString(query.from))
        json.key("to"); json.string(EngagementQuery.dateString(query.to))
        json.key("interval"); json.string(query.interval.rawValue)
        json.key("category"); json.optionalString(query.category)
        json.key("round_id"); if let round = query.roundID { json.int(round) } else { json.null() }
        json.key("as_of"); json.string(Timestamp.string(report.asOf))
        json.key("ladder")
        json.beginArray()
        for period in report.ladder {
            json.beginObject()
            json.key("period_start"); json.string(EngagementQuery.dateString(period.start))
            json.key("active"); json.int(period.active)
            for rung in [Rung.spectator, .contributor, .creator] {
                json.key(dynamic: rung.name + "s"); json.int(period.counts[rung] ?? 0)
            }
            json.key("shares")
            json.beginObject()
            for rung in [Rung.spectator, .contributor, .creator] {
                json.key(dynamic: rung.name + "s"); json.double(share(period.counts[rung] ?? 0, period.active))
            }
            json.endObject()
            json.key("flows")
            if period.start == report.ladder.first?.start {
                json.null()
            } else {
                json.beginObject()
                for from in Rung.allCases {
                    json.key(dynamic: from.name)
                    json.beginObject()
                    for to in Rung.allCases where !(from == .none && to == .none) {
                        json.key(dynamic: to.name); json.int(period.flows[from]?[to] ?? 0)
                    }
                    json.endObject()
                }
                json.endObject()
            }
            json.endObject()
        }
        json.endArray()
        json.key("concentration")
        json.beginObject()
        json.key("population"); json.int(report.population)
        for (measure, value) in report.concentration {
            json.key(dynamic: measure)
            json.beginObject()
            json.key("total"); json.int(value.total)
            json.key("top_1_percent"); json.double(round4(value.top1))
            json.key("top_10_percent"); json.double(round4(value.top10))
            json.key("top_20_percent"); json.double(round4(value.top20))
            json.key("gini"); json.double(round4(value.gini))
            json.key("lorenz")
            json.beginArray()
            for (x, y) in value.lorenz {
                json.beginArray(); json.double(round4(x)); json.double(round4(y)); json.endArray()
            }
            json.endArray()
            json.endObject()
        }
        json.endObject()
        json.key("advocates")
        json.beginArray()
        for advocate in report.advocates {
            json.beginObject()
            json.key("user_id"); json.int(advocate.userID)
            json.key("name"); json.string(advocate.name)
            json.key("score"); json.int(advocate.score)
            json.key("votes"); json.int(advocate.totals.votes)
            json.key("comments"); json.int(advocate.totals.comments)
            json.key("ideas"); json.int(advocate.totals.ideas)
            json.key("contact_opt_in"); json.bool(advocate.contactOptIn)
            json.key("outcomes")
            json.beginObject()
            for outcome in advocate.outcomes { json.key(dynamic: outcome.status); json.int(outcome.count) }
            json.endObject()
            json.endObject()
        }
        json.endArray()
        json.key("cohorts")
        json.beginArray()
        for cohort in report.cohorts {
            json.beginObject()
            json.key("week_start"); json.string(EngagementQuery.dateString(cohort.weekStart))
            json.key("size"); json.int(cohort.size)
            json.key("retention")
            json.beginArray()
            for value in cohort.retention { json.double(round4(value)) }
            json.endArray()
            json.endObject()
        }
        json.endArray()
        json.key("responsiveness")
        writeResponsiveness(report.responsiveness, into: &json) { json in
            json.key("funnel")
            json.beginArray()
            for stage in report.funnel {
                json.beginObject()
                json.key("status"); json.string(stage.status)
                json.key("reached"); json.int(stage.reached)
                json.key("conversion"); if let value = stage.conversion { json.double(round4(value)) } else { json.null() }
                json.key("median_hours_in_stage"); if let value = stage.medianHoursInStage { json.double(value) } else { json.null() }
                json.endObject()
            }
            json.endArray()
            json.key("by_category")
            json.beginArray()
            for group in report.byCategory { writeResponsiveness(group, into: &json) { _ in } }
            json.endArray()
        }
        json.key("rounds")
        json.beginArray()
        for round in report.rounds {
            json.beginObject()
            json.key("round_id"); json.int(round.roundID)
            json.key("name"); json.string(round.name)
            json.key("entries"); json.int(round.entries)
            json.key("voters"); json.int(round.voters)
            json.key("votes"); json.int(round.votes)
            json.key("votes_per_voter"); json.double(round4(round.votesPerVoter))
            json.key("voided"); json.int(round.voided)
            json.key("voided_share"); json.double(round4(round.voidedShare))
            json.key("turnout")
            json.beginArray()
            for day in round.turnout {
                json.beginObject()
                json.key("day"); json.string(EngagementQuery.dateString(day.day))
                json.key("votes"); json.int(day.votes)
                json.endObject()
            }
            json.endArray()
            json.key("campaigns")
            json.beginArray()
            for link in round.campaigns {
                json.beginObject()
                json.key("idea_id"); json.int(link.ideaID)
                json.key("label"); json.string(link.label)
                json.key("visits"); json.int(link.visits)
                json.key("votes"); json.int(link.votes)
                json.endObject()
            }
            json.endArray()
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return json.bytes
    }

    private static func writeResponsiveness(_ value: EngagementReport.Responsiveness, into json: inout JSONWriter,
                                            extra: (inout JSONWriter) -> Void) {
        json.beginObject()
        if let category = value.category { json.key("category"); json.string(category) }
        json.key("ideas"); json.int(value.ideas)
        json.key("answered"); json.int(value.answered)
        json.key("median_hours_to_answer"); if let hours = value.medianHours { json.double(hours) } else { json.null() }
        json.key("p90_hours_to_answer"); if let hours = value.p90Hours { json.double(hours) } else { json.null() }
        json.key("answered_within_7_days"); json.double(round4(value.within7Days))
        json.key("answered_within_30_days"); json.double(round4(value.within30Days))
        json.key("backlog")
        json.beginObject()
        for (name, count) in zip(["under_7_days", "7_to_30_days", "30_to_90_days", "over_90_days"], value.backlog) {
            json.key(dynamic: name); json.int(count)
        }
        json.endObject()
        extra(&json)
        json.endObject()
    }

    static func share(_ part: Int, _ whole: Int) -> Double { whole == 0 ? 0 : round4(Double(part) / Double(whole)) }
    static func round4(_ value: Double) -> Double { (value * 10_000).rounded() / 10_000 }

    // MARK: CSV

    static let tables = ["ladder", "flows", "concentration", "advocates", "cohorts", "responsiveness", "funnel", "rounds", "turnout", "campaigns"]

    /// One table as RFC 4180 CSV (spreadsheet formulas neutralised, as for round results).
    static func csv(_ report: EngagementReport, table: String) -> String {
        var rows: [[String]] = []
        let d = EngagementQuery.dateString
        switch table {
        case "ladder":
            rows.append(["period_start", "active", "spectators", "contributors", "creators"])
            for p in report.ladder {
                rows.append([d(p.start), "\(p.active)", "\(p.counts[.spectator] ?? 0)", "\(p.counts[.contributor] ?? 0)", "\(p.counts[.creator] ?? 0)"])
            }
        case "flows":
            rows.append(["period_start", "from", "to", "count"])
            for p in report.ladder.dropFirst() {
                for from in Rung.allCases { for to in Rung.allCases where !(from == .none && to == .none) {
                    rows.append([d(p.start), from.name, to.name, "\(p.flows[from]?[to] ?? 0)"])
                } }
            }
        case "concentration":
            rows.append(["measure", "population", "total", "top_1_percent", "top_10_percent", "top_20_percent", "gini"])
            for (measure, c) in report.concentration {
                rows.append([measure, "\(c.population)", "\(c.total)", "\(round4(c.top1))", "\(round4(c.top10))", "\(round4(c.top20))", "\(round4(c.gini))"])
            }
        case "advocates":
            rows.append(["user_id", "name", "email", "score", "votes", "comments", "ideas", "launched_ideas", "contact_opt_in"])
            for a in report.advocates {
                let launched = a.outcomes.first { $0.status == "launched" }?.count ?? 0
                rows.append(["\(a.userID)", a.name, a.email ?? "", "\(a.score)", "\(a.totals.votes)", "\(a.totals.comments)",
                             "\(a.totals.ideas)", "\(launched)", a.contactOptIn ? "true" : "false"])
            }
        case "cohorts":
            let width = report.cohorts.map(\.retention.count).max() ?? 0
            rows.append(["week_start", "size"] + (0..<width).map { "week_\($0)" })
            for c in report.cohorts { rows.append([d(c.weekStart), "\(c.size)"] + c.retention.map { "\(round4($0))" }) }
        case "responsiveness":
            rows.append(["category", "ideas", "answered", "median_hours_to_answer", "p90_hours_to_answer", "answered_within_7_days",
                         "answered_within_30_days", "backlog_under_7_days", "backlog_7_to_30_days", "backlog_30_to_90_days", "backlog_over_90_days"])
            for r in [report.responsiveness] + report.byCategory {
                rows.append([r.category ?? "(all)", "\(r.ideas)", "\(r.answered)", r.medianHours.map { "\($0)" } ?? "", r.p90Hours.map { "\($0)" } ?? "",
                             "\(round4(r.within7Days))", "\(round4(r.within30Days))"] + r.backlog.map { "\($0)" })
            }
        case "funnel":
            rows.append(["status", "reached", "conversion", "median_hours_in_stage"])
            for s in report.funnel {
                rows.append([s.status, "\(s.reached)", s.conversion.map { "\(round4($0))" } ?? "", s.medianHoursInStage.map { "\($0)" } ?? ""])
            }
        case "rounds":
            rows.append(["round_id", "name", "entries", "voters", "votes", "votes_per_voter", "voided", "voided_share"])
            for r in report.rounds {
                rows.append(["\(r.roundID)", r.name, "\(r.entries)", "\(r.voters)", "\(r.votes)", "\(round4(r.votesPerVoter))", "\(r.voided)", "\(round4(r.voidedShare))"])
            }
        case "campaigns":
            rows.append(["round_id", "idea_id", "label", "visits", "votes"])
            for r in report.rounds { for c in r.campaigns { rows.append(["\(r.roundID)", "\(c.ideaID)", c.label, "\(c.visits)", "\(c.votes)"]) } }
        default:
            rows.append(["round_id", "day", "votes"])
            for r in report.rounds { for day in r.turnout { rows.append(["\(r.roundID)", d(day.day), "\(day.votes)"]) } }
        }
        return rows.map { $0.map(RoundRoutes.csvField).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }
}
