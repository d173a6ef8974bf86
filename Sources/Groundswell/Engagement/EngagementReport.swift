import Rules
import SQLiteStore

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

    static let pipeline = ["submitted", "under_review", "accepted", "in_progress", "launched"]
    /// The advocate score: a vote 1, a comment 3, an idea 10, and 25 more for each of their ideas
    /// the company launched (all time) — bringing ideas that ship counts most.
    static func score(_ totals: Totals, launched: Int64) -> Int64 { totals.votes + 3 * totals.comments + 10 * totals.ideas + 25 * launched }

    static func build(_ db: Connection, _ query: EngagementQuery, advocateLimit: Int = 50, withEmails: Bool) throws -> EngagementReport {
        let starts = query.periods
        let periodIndex: (Int64) -> Int? = { day in
            let start = query.interval.start(of: day)
            var low = 0, high = starts.count - 1
            while low <= high {
                let mid = (low + high) / 2
                if starts[mid] == start { return mid }
                if starts[mid] < start { low = mid + 1 } else { high = mid - 1 }
            }
            return nil
        }
        // One pass over the rollup rows in range: rungs per period, totals per customer, weeks active.
        var perPeriod = [[String: Totals]](repeating: [:], count: starts.count)
        var customers: [Int64: Totals] = [:]
        var activeWeeks: [Int64: Set<Int64>] = [:]
        _ = try db.query("""
            SELECT day, actor, reads, votes, comments, ideas FROM activity_days WHERE scope = ? AND day BETWEEN ? AND ?
            """, [query.scope, query.from, query.to]) { row in
            let day = row.int64(0)
            let actor = row.string(1)
            let counts = Totals(reads: row.int64(2), votes: row.int64(3), comments: row.int64(4), ideas: row.int64(5))
            if let index = periodIndex(day) {
                var totals = perPeriod[index][actor, default: Totals()]
                totals.reads += counts.reads; totals.votes += counts.votes; totals.comments += counts.comments; totals.ideas += counts.ideas
                perPeriod[index][actor] = totals
            }
            if actor.hasPrefix("u"), let id = Int64(actor.dropFirst()) {
                var totals = customers[id, default: Totals()]
                totals.reads += counts.reads; totals.votes += counts.votes; totals.comments += counts.comments; totals.ideas += counts.ideas
                customers[id] = totals
                activeWeeks[id, default: []].insert(PeriodKind.week.start(of: day))
            }
        }
        let rungs = perPeriod.map { period in
            period.mapValues { Rung.of(reads: $0.reads, votes: $0.votes, comments: $0.comments, ideas: $0.ideas) }.filter { $0.value != .none }
        }
        let ladder = Ladder.periods(starts: starts, rungs: rungs)

        // Concentration over the customers active in range (anonymous readers have no votes).
        let population = Array(customers.values)
        let concentration = [("votes", Concentration(population.map(\.votes))),
                             ("comments", Concentration(population.map(\.comments))),
                             ("ideas", Concentration(population.map(\.ideas)))]

        // Advocates: the best scores; outcomes of their ideas (all time).
        var launched: [Int64: Int64] = [:]
        let creators = customers.filter { $0.value.ideas > 0 }.map(\.key)
        for chunk in stride(from: 0, to: creators.count, by: 500) {
            let ids = Array(creators[chunk..<min(creators.count, chunk + 500)])
            let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
            _ = try db.query("SELECT author_id, COUNT(*) FROM ideas WHERE status = 'launched' AND author_id IN (\(marks)) GROUP BY author_id", ids) {
                launched[$0.int64(0)] = $0.int64(1)
            }
        }
        var scored: [(id: Int64, totals: Totals, score: Int64)] = []
        for (id, totals) in customers {
            let value = score(totals, launched: launched[id] ?? 0)
            if value > 0 { scored.append((id, totals, value)) }
        }
        scored.sort { a, b in a.score != b.score ? a.score > b.score : a.id < b.id }
        let ranked = scored.prefix(advocateLimit)
        var advocates: [Advocate] = []
        for entry in ranked {
            guard let person = try db.queryOne("SELECT name, email, contact_opt_in FROM users WHERE id = ? AND deleted_at IS NULL", [entry.id], {
                (name: $0.string(0), email: $0.string(1), optIn: $0.bool(2))
            }) else { continue }
            let outcomes = try db.query("SELECT status, COUNT(*) FROM ideas WHERE author_id = ? GROUP BY status ORDER BY status", [entry.id]) {
                (status: $0.string(0), count: $0.int64(1))
            }
            advocates.append(Advocate(userID: entry.id, name: person.name, email: withEmails && person.optIn ? person.email : nil,
                                      contactOptIn: person.optIn, totals: entry.totals, score: entry.score, outcomes: outcomes))
        }

        // Cohorts: customers by sign-up week within range; the share active in each later week.
        var cohortMembers: [Int64: [Int64]] = [:]
        _ = try db.query("SELECT id, created_at FROM users WHERE created_at >= ? AND created_at < ? AND deleted_at IS NULL",
                         [query.from * 86_400_000, (query.to + 1) * 86_400_000]) { row in
            cohortMembers[PeriodKind.week.start(of: row.int64(1) / 86_400_000), default: []].append(row.int64(0))
        }
        let lastWeek = PeriodKind.week.start(of: query.to)
        let cohorts = cohortMembers.keys.sorted().map { week -> Cohort in
            let members = cohortMembers[week]!
            var retention: [Double] = []
            var current = week
            while current <= lastWeek {
                let active = members.filter { activeWeeks[$0]?.contains(current) == true }.count
                retention.append(Double(active) / Double(members.count))
                current += 7
            }
            return Cohort(weekStart: week, size: members.count, retention: retention)
        }

        // Responsiveness and the pipeline, for ideas submitted in range.
        var filter = ""
        var values: [SQLiteBindable] = [query.from * 86_400_000, (query.to + 1) * 86_400_000]
        if let category = query.category { filter += " AND i.category = ?"; values.append(category) }
        if let round = query.roundID { filter += " AND i.round_id = ?"; values.append(round) }
        struct IdeaTimes { let category: String; let created: Int64; var answered: Int64?; var entered: [String: Int64] }
        var ideas: [Int64: IdeaTimes] = [:]
        _ = try db.query("""
            SELECT i.id, i.category, i.created_at,
              (SELECT MIN(h.created_at) FROM idea_status_history h WHERE h.idea_id = i.id AND h.staff_id IS NOT NULL),
              (SELECT MIN(c.created_at) FROM comments c WHERE c.idea_id = i.id AND c.staff_id IS NOT NULL)
            FROM ideas i WHERE i.created_at >= ? AND i.created_at < ?\(filter)
            """, values) { row in
            let answers = [row.optionalInt64(3), row.optionalInt64(4)].compactMap { $0 }
            ideas[row.int64(0)] = IdeaTimes(category: row.string(1), created: row.int64(2), answered: answers.min(),
                                            entered: ["submitted": row.int64(2)])
        }
        _ = try db.query("""
            SELECT h.idea_id, h.to_status, MIN(h.created_at) FROM idea_status_history h JOIN ideas i ON i.id = h.idea_id
            WHERE i.created_at >= ? AND i.created_at < ?\(filter) GROUP BY h.idea_id, h.to_status
            """, values) { row in
            ideas[row.int64(0)]?.entered[row.string(1)] = row.int64(2)
        }
        let end = (query.to + 1) * 86_400_000
        func responsiveness(_ category: String?, _ group: [IdeaTimes]) -> Responsiveness {
            let waits = group.compactMap { idea in idea.answered.map { $0 - idea.created } }
            let day: Int64 = 86_400_000
            var backlog = [0, 0, 0, 0]
            for idea in group where idea.answered == nil {
                let age = end - idea.created
                backlog[age < 7 * day ? 0 : age < 30 * day ? 1 : age < 90 * day ? 2 : 3] += 1
            }
            let hours = { (millis: Int64?) in millis.map { (Double($0) / 3_600_000 * 10).rounded() / 10 } }
            let share = { (count: Int) in group.isEmpty ? 0 : Double(count) / Double(group.count) }
            return Responsiveness(category: category, ideas: group.count, answered: waits.count,
                                  medianHours: hours(Percentile.of(waits, 0.5)), p90Hours: hours(Percentile.of(waits, 0.9)),
                                  within7Days: share(waits.filter { $0 <= 7 * day }.count),
                                  within30Days: share(waits.filter { $0 <= 30 * day }.count), backlog: backlog)
        }
        let all = Array(ideas.values)
        let byCategory = Dictionary(grouping: all, by: \.category).sorted { $0.key < $1.key }.map { responsiveness($0.key, $0.value) }
        // The funnel: an idea reached a stage if it entered it or any later one.
        var funnel: [Stage] = []
        for (index, status) in pipeline.enumerated() {
            let later = pipeline[index...]
            let reached = all.filter { idea in later.contains { idea.entered[$0] != nil } }
            var inStage: [Int64] = []
            if index + 1 < pipeline.count {
                for idea in all {
                    if let start = idea.entered[status], let next = idea.entered[pipeline[index + 1]] { inStage.append(next - start) }
                }
            }
            let previous = index == 0 ? nil : funnel[index - 1].reached
            funnel.append(Stage(status: status, reached: reached.count,
                                conversion: previous.map { $0 == 0 ? 0 : Double(reached.count) / Double($0) },
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
        return EngagementReport(query: query, ladder: ladder, population: population.count, concentration: concentration,
                                advocates: advocates, cohorts: cohorts, responsiveness: responsiveness(nil, all),
                                byCategory: byCategory, funnel: funnel, rounds: rounds)
    }
}
