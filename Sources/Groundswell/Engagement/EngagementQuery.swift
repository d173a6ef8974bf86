import HTTPServer
import JSON
import Rules

/// What an engagement report covers: UTC days `from` through `to` (inclusive), cut into
/// periods (`interval`), optionally narrowed to one category or one round. Parsed from
/// `?from=&to=&interval=day|week|month&category=&round_id=` with the defaults: `to` today, `interval`
/// week, `from` the start of the 12th period back.
struct EngagementQuery: Sendable {
    var from: Int64
    var to: Int64
    var interval: PeriodKind
    var category: String?
    var roundID: Int64?

    static let maxPeriods = 400

    /// The rollup scope of the filter: the whole site, a category or a round.
    var scope: String {
        if let roundID { return "r:\(roundID)" }
        if let category { return "c:" + category }
        return ""
    }

    var periods: [Int64] { interval.starts(from: from, through: to) }

    init(from: Int64, to: Int64, interval: PeriodKind, category: String? = nil, roundID: Int64? = nil) {
        self.from = from
        self.to = to
        self.interval = interval
        self.category = category
        self.roundID = roundID
    }

    init(_ items: QueryItems, now: Int64) throws {
        let intervalText = items["interval"].flatMap { $0.isEmpty ? nil : $0 } ?? "week"
        guard let interval = PeriodKind(rawValue: intervalText) else { throw APIError.invalid("interval must be day, week or month") }
        self.interval = interval
        to = try items["to"].flatMap { $0.isEmpty ? nil : $0 }.map { try EngagementQuery.day($0, field: "to") } ?? now / 86_400_000
        if let text = items["from"], !text.isEmpty {
            from = try EngagementQuery.day(text, field: "from")
        } else {
            var start = interval.start(of: to)
            for _ in 0..<11 { start = interval.start(of: start - 1) }
            from = start
        }
        guard from <= to else { throw APIError.invalid("from must not be after to") }
        guard interval.starts(from: from, through: to).count <= EngagementQuery.maxPeriods else {
            throw APIError.invalid("the range holds more than \(EngagementQuery.maxPeriods) periods; use a longer interval")
        }
        category = items["category"].flatMap { $0.isEmpty ? nil : $0 }
        if let text = items["round_id"], !text.isEmpty {
            guard let id = Int64(text), id > 0 else { throw APIError.invalid("round_id must be a positive integer") }
            roundID = id
        }
    }

    /// A day from `2026-11-30` or an RFC 3339 time.
    static func day(_ text: String, field: String) throws -> Int64 {
        if let millis = Timestamp.parse(text) { return Int64((Double(millis) / 86_400_000).rounded(.down)) }
        let parts = text.split(separator: "-")
        if parts.count == 3, parts[0].count == 4, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
           (1...12).contains(month), (1...31).contains(day), (1970...9999).contains(year) {
            let days = CivilDate.days(year: year, month: month, day: day)
            if CivilDate.from(days: days) == (year, month, day) { return days }
        }
        throw APIError.invalid("\(field) must be a date such as 2026-12-01 or an RFC 3339 time")
    }

    static func dateString(_ day: Int64) -> String {
        let (year, month, date) = CivilDate.from(days: day)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }
        return "\(year)-\(two(month))-\(two(date))"
    }
}
