import Rules
import SQLiteStore

/// Every engagement figure for one query, computed from the rollup (`activity_days`) and, for
/// the company's responsiveness and rounds, from indexed lookups of the ideas in range. Plain
/// values: the JSON, the CSV tables and the console's charts are all drawn from it.
struct EngagementReport: Sendable {
    struct Totals: Sendable {
        var reads: Int64 = 0, votes: Int64 = 0, comments: Int64 = 0, ideas: Int64 = 0

        mutating func add(_ other: Totals) {
            reads += other.reads; votes += other.votes; comments += other.comments; ideas += other.ideas
        }
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

    static func build(_ db: Connection, _ query: EngagementQuery, advocateLimit: Int = 50, withEmails: Bool) throws -> EngagementReport {
        let starts = query.periods
        // One pass over the rollup rows in range, in day order (the primary key's), so periods
        // come one after another: the ladder keeps two periods' rungs, customers their totals and
        // the last week they were seen, and each (customer, week active) pair is noted once.
        // Customers are keyed by id; anonymous readers by a number of their own (negative).
        var ladder = Ladder.Builder<Int64>()
        var period: [Int64: Totals] = [:]
        var periodIndex = 0
        func closePeriods(through index: Int) {
            while periodIndex < index {
                ladder.add(start: starts[periodIndex], rungs: period.compactMapValues { totals in
                    let rung = Rung.of(reads: totals.reads, votes: totals.votes, comments: totals.comments, ideas: totals.ideas)
                    return rung == .none ? nil : rung
                })
                period = [:]
                periodIndex += 1
            }
        }
        var customers: [Int64: (totals: Totals, week: Int64)] = [:]
        var weeksActive: [(user: Int64, week: Int64)] = []
        var readers: [String: Int64] = [:]
        _ = try db.query("""
            SELECT day, actor, reads, votes, comments, ideas FROM activity_days WHERE scope = ? AND day BETWEEN ? AND ? ORDER BY day
            """, [query.scope, query.from, query.to]) { row in
            let day = row.int64(0)
            let counts = Totals(reads: row.int64(2), votes: row.int64(3), comments: row.int64(4), ideas: row.int64(5))
            // The period of `day`: the last start at or before it.
            var index = periodIndex
            while index + 1 < starts.count && starts[index + 1] <= day { index += 1 }
            closePeriods(through: index)
            let text = row.string(1)
            let customer = text.hasPrefix("u") ? Int64(text.dropFirst()) : nil
            let actor: Int64
            if let customer {
                actor = customer
            } else if let known = readers[text] {
                actor = known
            } else {
                actor = -Int64(readers.count + 1)
                readers[text] = actor
            }
            period[actor, default: Totals()].add(counts)
            if let customer {
                let week = PeriodKind.week.start(of: day)
                var tally = customers[customer] ?? (Totals(), Int64.min)
                tally.totals.add(counts)
                if tally.week != week {
                    tally.week = week
                    weeksActive.append((customer, week))
                }
                customers[customer] = tally
            }
        }
        closePeriods(through: starts.count)

        // Concentration over the customers active in range (anonymous readers have no votes).
        let concentration = [("votes", Concentration(customers.values.map(\.totals.votes))),
                             ("comments", Concentration(customers.values.map(\.totals.comments))),
                             ("ideas", Concentration(customers.values.map(\.totals.ideas)))]

        // Advocates: the best scores; outcomes of their ideas (all time). Launched ideas are few:
        // read them all through the status index rather than asking per creator.
        var launched: [Int64: Int64] = [:]
        _ = try db.query("SELECT author_id, COUNT(*) FROM ideas WHERE status = 'launched' GROUP BY author_id") {
            launched[$0.int64(0)] = $0.int64(1)
        }
        var scored: [(id: Int64, totals: Totals, score: Int64)] = []
        for (id, tally) in customers {
            let value = score(tally.totals, launched: launched[id] ?? 0)
            if value > 0 { scored.append((id, tally.totals, value)) }
        }
        // The best `advocateLimit` plus room for accounts erased since (skipped below).
        scored.sort { a, b in a.score != b.score ? a.score > b.score : a.id < b.id }
        var advocates: [Advocate] = []
        for entry in scored where advocates.count < advocateLimit {
            guard let person = try db.queryOne("SELECT name, email, contact_opt_in FROM users WHERE id = ? AND deleted_at IS NULL", [entry.id], {
                (name: $0.string(0), email: $0.string(1), optIn: $0.bool(2))
            }) else { continue }
            let outcomes = try db.query("SELECT status, COUNT(*) FROM ideas WHERE author_id = ? GROUP BY status ORDER BY status", [entry.id]) {
                (status: $0.string(0), count: $0.int64(1))
            }
            advocates.append(Advocate(userID: entry.id, name: person.name, email: withEmails && person.optIn ? person.email : nil,
                                      contactOptIn: person.optIn, totals: entry.totals, score: entry.score, outcomes: outcomes))
        }
        let population = customers.count
        customers = [:]

        // Cohorts: customers by sign-up week within range; the share active in each later week.
        var cohortOf: [Int64: Int64] = [:]
        var cohortSize: [Int64: Int] = [:]
        _ = try db.query("SELECT id, created_at FROM users WHERE created_at >= ? AND created_at < ? AND deleted_at IS NULL",
                         [query.from * 86_400_000, (query.to + 1) * 86_400_000]) { row in
            let week = PeriodKind.week.start(of: row.int64(1) / 86_400_000)
            cohortOf[row.int64(0)] = week
            cohortSize[week, default: 0] += 1
        }
        let lastWeek = PeriodKind.week.start(of: query.to)
        var activeByCohort: [Int64: [Int]] = [:]
        for (user, week) in weeksActive {
            guard let cohort = cohortOf[user], week >= cohort else { continue }
            let offset = Int((week - cohort) / 7)
            activeByCohort[cohort, default: Array(repeating: 0, count: Int((lastWeek - cohort) / 7) + 1)][offset] += 1
        }
        let cohorts = cohortSize.keys.sorted().map { week -> Cohort in
            let size = cohortSize[week]!
            let active = activeByCohort[week] ?? Array(repeating: 0, count: Int((lastWeek - week) / 7) + 1)
            return Cohort(weekStart: week, size: size, retention: active.map { Double($0) / Double(size) })
        }

        // Responsiveness and the pipeline, for ideas submitted in range.
        var filter = ""
        var values: [SQLiteBindable] = [query.from * 86_400_000, (query.to + 1) * 86_400_000]
        if let category = query.category { filter += " AND i.category = ?"; values.append(category) }
        if let round = query.roundID { filter += " AND i.round_id = ?"; values.append(round) }
        // Per idea: its category, when it was submitted and first answered, and when it entered
        // each stage of the pipeline (0: never) — flat arrays, not a dictionary per idea.
        var categories: [String] = [], created: [Int64] = [], answered: [Int64?] = []
        var entered: [Int64] = []
        var position: [Int64: Int] = [:]
        let stages = pipeline.count
        _ = try db.query("""
            SELECT i.id, i.category, i.created_at,
              (SELECT MIN(h.created_at) FROM idea_status_history h WHERE h.idea_id = i.id AND h.staff_id IS NOT NULL),
              (SELECT MIN(c.created_at) FROM comments c WHERE c.idea_id = i.id AND c.staff_id IS NOT NULL)
            FROM ideas i WHERE i.created_at >= ? AND i.created_at < ?\(filter)
            """, values) { row in
            position[row.int64(0)] = created.count
            categories.append(row.string(1))
            created.append(row.int64(2))
            answered.append([row.optionalInt64(3), row.optionalInt64(4)].compactMap { $0 }.min())
            entered.append(row.int64(2))
            entered.append(contentsOf: repeatElement(0, count: stages - 1))
        }
        _ = try db.query("""
            SELECT h.idea_id, h.to_status, MIN(h.created_at) FROM idea_status_history h JOIN ideas i ON i.id = h.idea_id
            WHERE i.created_at >= ? AND i.created_at < ?\(filter) GROUP BY h.idea_id, h.to_status
            """, values) { row in
            if let index = position[row.int64(0)], let stage = pipeline.firstIndex(of: row.string(1)), stage > 0 {
                entered[index * stages + stage] = row.int64(2)
            }
        }
        position = [:]
        let end = (query.to + 1) * 86_400_000
        func responsiveness(_ category: String?, _ group: [Int]) -> Responsiveness {
            let waits = group.compactMap { idea in answered[idea].map { $0 - created[idea] } }
            let day: Int64 = 86_400_000
            var backlog = [0, 0, 0, 0]
            for idea in group where answered[idea] == nil {
                let age = end - created[idea]
                backlog[age < 7 * day ? 0 : age < 30 * day ? 1 : age < 90 * day ? 2 : 3] += 1
            }
            let hours = { (millis: Int64?) in millis.map { (Double($0) / 3_600_000 * 10).rounded() / 10 } }
            let share = { (count: Int) in group.isEmpty ? 0 : Double(count) / Double(group.count) }
            return Responsiveness(category: category, ideas: group.count, answered: waits.count,
                                  medianHours: hours(Percentile.of(waits, 0.5)), p90Hours: hours(Percentile.of(waits, 0.9)),
                                  within7Days: share(waits.filter { $0 <= 7 * day }.count),
                                  within30Days: share(waits.filter { $0 <= 30 * day }.count), backlog: backlog)
        }
        let all = Array(created.indices)
        let byCategory = Dictionary(grouping: all, by: { categories[$0] }).sorted { $0.key < $1.key }.map { responsiveness($0.key, $0.value) }
        // The funnel: an idea reached a stage if it entered it or any later one.
        var funnel: [Stage] = []
        for (index, status) in pipeline.enumerated() {
            let reached = all.filter { idea in (index..<stages).contains { entered[idea * stages + $0] != 0 } }.count
            var inStage: [Int64] = []
            if index + 1 < stages {
                for idea in all {
                    let start = entered[idea * stages + index], next = entered[idea * stages + index + 1]
                    if start != 0 && next != 0 { inStage.append(next - start) }
                }
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
