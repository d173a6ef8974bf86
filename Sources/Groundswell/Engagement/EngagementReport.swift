import Rules
import SQLiteStore
import Storage

/// Every engagement figure for one query, computed from the rollup (`activity_days`) and, for
/// the company's responsiveness and rounds, from indexed lookups of the ideas in range. Plain
/// values: the JSON, the CSV tables and the console's charts are all drawn from it.
struct EngagementReport: Sendable {
    struct Totals: Sendable {
        var reads: Int64 = 0, votes: Int64 = 0, comments: Int64 = 0, ideas: Int64 = 0
    }

    struct Advocate: Sendable {
        let userID: Int64
        let name: String
        let email: String?
        let contactOptIn: Bool
        let totals: Totals
        let score: Int64
        let outcomes: [(status: String, count: Int64)]
    }

    struct Cohort: Sendable {
        let weekStart: Int64
        let size: Int
        /// Share of the cohort active in its sign-up week (index 0) and each later week up to `to`.
        let retention: [Double]
    }

    struct Stage: Sendable {
        let status: String
        let reached: Int
        let conversion: Double?
        let medianHoursInStage: Double?
    }

    struct Responsiveness: Sendable {
        let category: String?
        let ideas: Int
        let answered: Int
        let medianHours: Double?
        let p90Hours: Double?
        let within7Days: Double
        let within30Days: Double
        /// Unanswered ideas by age at `to`: under 7 days, 7–30, 30–90, over 90.
        let backlog: [Int]
    }

    struct RoundFigures: Sendable {
        let roundID: Int64
        let name: String
        let entries: Int64
        let voters: Int64
        let votes: Int64
        let voided: Int64
        var votesPerVoter: Double { voters == 0 ? 0 : Double(votes) / Double(voters) }
        var voidedShare: Double { votes + voided == 0 ? 0 : Double(voided) / Double(votes + voided) }
        /// Votes per UTC day of the voting window.
        let turnout: [(day: Int64, votes: Int64)]
        /// The entries' share and campaign links that brought the most votes (issue 18).
        let campaigns: [(ideaID: Int64, label: String, visits: Int64, votes: Int64)]
    }

    let query: EngagementQuery
    let ladder: [Ladder.Period]
    let population: Int
    let concentration: [(measure: String, value: Concentration)]
    let advocates: [Advocate]
    let cohorts: [Cohort]
    let responsiveness: Responsiveness
    let byCategory: [Responsiveness]
    let funnel: [Stage]
    let rounds: [RoundFigures]
    /// When its data was read (milliseconds since 1970; set by `EngagementRoutes.build`).
    var asOf: Int64 = 0

    static let pipeline = ["submitted", "under_review", "accepted", "in_progress", "launched"]
    /// The advocate score: a vote 1, a comment 3, an idea 10, and 25 more for each of their ideas
    /// the company launched (all time) — bringing ideas that ship counts most.
    static func score(_ totals: Totals, launched: Int64) -> Int64 { totals.votes + 3 * totals.comments + 10 * totals.ideas + 25 * launched }

    /// Per-customer counts over the range, in a flat array indexed by customer id (ids are
    /// dense): 20 bytes a customer, and the week they were last seen active (for cohorts).
    private struct Tally {
        var reads: UInt32 = 0, votes: UInt32 = 0, comments: UInt32 = 0, ideas: UInt32 = 0
        /// The Monday (day number) of the last week seen.
        var week: Int32 = .min
        var active: Bool { reads | votes | comments | ideas != 0 }
        var totals: Totals { Totals(reads: Int64(reads), votes: Int64(votes), comments: Int64(comments), ideas: Int64(ideas)) }
    }

    /// Reads the report in one pass over the rollup rows in range and one over the ideas
    /// submitted in range. Memory follows the customer ids (about 25 bytes each: a million
    /// customers' report peaks near 60 MB), not hash maps per customer or per idea.
    static func build(_ db: SQLConnection, _ query: EngagementQuery, advocateLimit: Int = 50, withEmails: Bool) throws -> EngagementReport {
        let starts = query.periods
        let customerCount = Int(try db.scalarInt("SELECT COALESCE(MAX(id), 0) FROM users") ?? 0) + 1

        // Cohorts first: each customer who signed up in range, by sign-up week (the day number of
        // its Monday; 0: not in a cohort), so the pass below counts their active weeks as it goes.
        var cohortWeek = [Int32](repeating: 0, count: customerCount)
        var cohortSize: [Int64: Int] = [:]
        _ = try db.query("SELECT id, created_at FROM users WHERE created_at >= ? AND created_at < ? AND deleted_at IS NULL",
                         [query.from * 86_400_000, (query.to + 1) * 86_400_000]) { row in
            let id = Int(row.int64(0)), week = PeriodKind.week.start(of: row.int64(1) / 86_400_000)
            guard id < customerCount else { return }
            cohortWeek[id] = Int32(week)
            cohortSize[week, default: 0] += 1
        }
        let lastWeek = PeriodKind.week.start(of: query.to)
        var activeByCohort: [Int64: [Int]] = [:]

        // One pass over the rollup rows in range, in day order (the primary key's), so periods
        // come one after another. Anonymous readers are numbered after the customers.
        var ladder = Ladder.DenseBuilder()
        var periodIndex = 0
        func closePeriods(through index: Int) {
            while periodIndex < index {
                ladder.close(start: starts[periodIndex])
                periodIndex += 1
            }
        }
        var tallies = [Tally](repeating: Tally(), count: customerCount)
        var readers: [String: Int] = [:]
        _ = try db.query("""
            SELECT day, actor, reads, votes, comments, ideas FROM activity_days WHERE scope = ? AND day BETWEEN ? AND ? ORDER BY day
            """, [query.scope, query.from, query.to]) { row in
            let day = row.int64(0)
            // The period of `day`: the last start at or before it.
            var index = periodIndex
            while index + 1 < starts.count && starts[index + 1] <= day { index += 1 }
            closePeriods(through: index)
            let reads = row.int64(2), votes = row.int64(3), comments = row.int64(4), ideas = row.int64(5)
            let rung = Rung.of(reads: reads, votes: votes, comments: comments, ideas: ideas)
            let text = row.string(1)
            guard text.hasPrefix("u"), let id = Int(text.dropFirst()), id >= 0, id < customerCount else {
                let reader = readers[text] ?? customerCount + readers.count
                readers[text] = reader
                ladder.note(reader, rung)
                return
            }
            ladder.note(id, rung)
            tallies[id].reads &+= UInt32(truncatingIfNeeded: reads); tallies[id].votes &+= UInt32(truncatingIfNeeded: votes)
            tallies[id].comments &+= UInt32(truncatingIfNeeded: comments); tallies[id].ideas &+= UInt32(truncatingIfNeeded: ideas)
            let week = Int32(PeriodKind.week.start(of: day))
            if tallies[id].week != week {
                tallies[id].week = week
                let cohort = cohortWeek[id]
                if cohort != 0 && week >= cohort {
                    let start = Int64(cohort)
                    activeByCohort[start, default: Array(repeating: 0, count: Int((lastWeek - start) / 7) + 1)][Int(week - cohort) / 7] += 1
                }
            }
        }
        closePeriods(through: starts.count)
        cohortWeek = []
        let cohorts = cohortSize.keys.sorted().map { week -> Cohort in
            let size = cohortSize[week]!
            let active = activeByCohort[week] ?? Array(repeating: 0, count: Int((lastWeek - week) / 7) + 1)
            return Cohort(weekStart: week, size: size, retention: active.map { Double($0) / Double(size) })
        }

        // Concentration over the customers active in range (anonymous readers have no votes),
        // one measure at a time.
        let population = tallies.reduce(0) { $0 + ($1.active ? 1 : 0) }
        func amounts(_ value: (Tally) -> UInt32) -> [Int64] {
            var out: [Int64] = []
            out.reserveCapacity(population)
            for tally in tallies where tally.active { out.append(Int64(value(tally))) }
            return out
        }
        let concentration = [("votes", Concentration(amounts(\.votes))),
                             ("comments", Concentration(amounts(\.comments))),
                             ("ideas", Concentration(amounts(\.ideas)))]

        // Advocates: the best scores; outcomes of their ideas (all time). Launched ideas are few:
        // read them all through the status index rather than asking per creator.
        var launched: [Int: Int64] = [:]
        _ = try db.query("SELECT author_id, COUNT(*) FROM ideas WHERE status = 'launched' GROUP BY author_id") {
            launched[Int($0.int64(0))] = $0.int64(1)
        }
        // The best few hundred by score (room for accounts erased since, skipped below).
        var best: [(id: Int, score: Int64)] = []
        let keep = advocateLimit * 4
        for (id, tally) in tallies.enumerated() where tally.active {
            let value = score(tally.totals, launched: launched[id] ?? 0)
            guard value > 0 else { continue }
            best.append((id, value))
            if best.count >= keep * 2 {
                best.sort { a, b in a.score != b.score ? a.score > b.score : a.id < b.id }
                best.removeLast(best.count - keep)
            }
        }
        best.sort { a, b in a.score != b.score ? a.score > b.score : a.id < b.id }
        var advocates: [Advocate] = []
        for entry in best where advocates.count < advocateLimit {
            guard let person = try db.queryOne("SELECT name, email, contact_opt_in FROM users WHERE id = ? AND deleted_at IS NULL", [entry.id], {
                (name: $0.string(0), email: $0.string(1), optIn: $0.bool(2))
            }) else { continue }
            let outcomes = try db.query("SELECT status, COUNT(*) FROM ideas WHERE author_id = ? GROUP BY status ORDER BY status", [entry.id]) {
                (status: $0.string(0), count: $0.int64(1))
            }
            advocates.append(Advocate(userID: Int64(entry.id), name: person.name, email: withEmails && person.optIn ? person.email : nil,
                                      contactOptIn: person.optIn, totals: tallies[entry.id].totals, score: entry.score, outcomes: outcomes))
        }
        tallies = []

        // Responsiveness and the pipeline, for ideas submitted in range: one pass adds each idea
        // to its category's figures (only answered ideas keep a number: their wait); ideas with a
        // status history are read again for the funnel.
        var filter = ""
        var values: [SQLiteBindable] = [query.from * 86_400_000, (query.to + 1) * 86_400_000]
        if let category = query.category { filter += " AND i.category = ?"; values.append(category) }
        if let round = query.roundID { filter += " AND i.round_id = ?"; values.append(round) }
        let end = (query.to + 1) * 86_400_000
        let day: Int64 = 86_400_000
        struct Answers { var ideas = 0; var waits: [Int64] = []; var backlog = [0, 0, 0, 0] }
        var all = Answers()
        var perCategory: [String: Answers] = [:]
        _ = try db.query("""
            SELECT i.category, i.created_at,
              (SELECT MIN(h.created_at) FROM idea_status_history h WHERE h.idea_id = i.id AND h.staff_id IS NOT NULL),
              (SELECT MIN(c.created_at) FROM comments c WHERE c.idea_id = i.id AND c.staff_id IS NOT NULL)
            FROM ideas i WHERE i.created_at >= ? AND i.created_at < ?\(filter)
            """, values) { row in
            let created = row.int64(1)
            let answered = [row.optionalInt64(2), row.optionalInt64(3)].compactMap { $0 }.min()
            func add(_ figures: inout Answers) {
                figures.ideas += 1
                if let answered {
                    figures.waits.append(answered - created)
                } else {
                    let age = end - created
                    figures.backlog[age < 7 * day ? 0 : age < 30 * day ? 1 : age < 90 * day ? 2 : 3] += 1
                }
            }
            add(&all)
            add(&perCategory[row.string(0), default: Answers()])
        }
        func responsiveness(_ category: String?, _ figures: Answers) -> Responsiveness {
            let waits = figures.waits
            let hours = { (millis: Int64?) in millis.map { (Double($0) / 3_600_000 * 10).rounded() / 10 } }
            let share = { (count: Int) in figures.ideas == 0 ? 0 : Double(count) / Double(figures.ideas) }
            return Responsiveness(category: category, ideas: figures.ideas, answered: waits.count,
                                  medianHours: hours(Percentile.of(waits, 0.5)), p90Hours: hours(Percentile.of(waits, 0.9)),
                                  within7Days: share(waits.filter { $0 <= 7 * day }.count),
                                  within30Days: share(waits.filter { $0 <= 30 * day }.count), backlog: figures.backlog)
        }
        let byCategory = perCategory.keys.sorted().map { responsiveness($0, perCategory[$0]!) }
        // The funnel: an idea reached a stage if it entered it or any later one; every idea
        // entered `submitted` when it was submitted.
        let stages = pipeline.count
        var entered: [Int64: [Int64]] = [:]
        _ = try db.query("""
            SELECT h.idea_id, i.created_at, h.to_status, MIN(h.created_at) FROM idea_status_history h JOIN ideas i ON i.id = h.idea_id
            WHERE i.created_at >= ? AND i.created_at < ?\(filter) GROUP BY h.idea_id, i.created_at, h.to_status
            """, values) { row in
            guard let stage = pipeline.firstIndex(of: row.string(2)), stage > 0 else { return }
            entered[row.int64(0), default: [row.int64(1)] + Array(repeating: 0, count: stages - 1)][stage] = row.int64(3)
        }
        var funnel: [Stage] = []
        for (index, status) in pipeline.enumerated() {
            let reached = index == 0 ? all.ideas : entered.values.filter { times in (index..<stages).contains { times[$0] != 0 } }.count
            var inStage: [Int64] = []
            if index + 1 < stages {
                for times in entered.values where times[index] != 0 && times[index + 1] != 0 { inStage.append(times[index + 1] - times[index]) }
            }
            let previous = index == 0 ? nil : funnel[index - 1].reached
            funnel.append(Stage(status: status, reached: reached,
                                conversion: previous.map { $0 == 0 ? 0 : Double(reached) / Double($0) },
                                medianHoursInStage: Percentile.of(inStage, 0.5).map { (Double($0) / 3_600_000 * 10).rounded() / 10 }))
        }

        // Rounds: the round asked for, or those whose voting overlaps the range.
        var roundRows: [(Int64, String)] = []
        if let round = query.roundID {
            guard let name = try db.queryOne("SELECT name FROM rounds WHERE id = ?", [round], { $0.string(0) }) else {
                throw APIError.notFound("round")
            }
            roundRows = [(round, name)]
        } else {
            roundRows = try db.query("SELECT id, name FROM rounds WHERE voting_opens_at < ? AND voting_closes_at >= ? ORDER BY id",
                                     [end, query.from * 86_400_000]) { ($0.int64(0), $0.string(1)) }
        }
        var rounds: [RoundFigures] = []
        for (id, name) in roundRows {
            var votes: Int64 = 0
            var turnout: [Int64: Int64] = [:]
            _ = try db.query("SELECT day, votes FROM activity_days WHERE scope = ? AND votes > 0", ["r:\(id)"]) { row in
                votes += row.int64(1)
                turnout[row.int64(0), default: 0] += row.int64(1)
            }
            // A customer active on several days counts once.
            let voters = try db.scalarInt("SELECT COUNT(DISTINCT actor) FROM activity_days WHERE scope = ? AND votes > 0", ["r:\(id)"]) ?? 0
            let voided = try db.scalarInt("SELECT COUNT(*) FROM voided_votes WHERE round_id = ?", [id]) ?? 0
            let entries = try db.scalarInt("SELECT COUNT(*) FROM ideas WHERE round_id = ? AND entry_state = 'entered'", [id]) ?? 0
            let campaigns = try db.query("""
                SELECT c.idea_id, c.label, c.visits, (SELECT COUNT(*) FROM campaign_votes v WHERE v.campaign_id = c.id) AS brought
                FROM campaigns c JOIN ideas i ON i.id = c.idea_id WHERE i.round_id = ? ORDER BY brought DESC, c.visits DESC, c.id LIMIT 20
                """, [id]) { (ideaID: $0.int64(0), label: $0.string(1), visits: $0.int64(2), votes: $0.int64(3)) }
            rounds.append(RoundFigures(roundID: id, name: name, entries: entries, voters: voters, votes: votes, voided: voided,
                                       turnout: turnout.keys.sorted().map { ($0, turnout[$0]!) }, campaigns: campaigns))
        }
        return EngagementReport(query: query, ladder: ladder.periods, population: population, concentration: concentration,
                                advocates: advocates, cohorts: cohorts, responsiveness: responsiveness(nil, all),
                                byCategory: byCategory, funnel: funnel, rounds: rounds)
    }
}
