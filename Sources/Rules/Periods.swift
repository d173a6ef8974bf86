import JSON

/// Calendar periods of UTC days for engagement figures: a day, an ISO week (Monday to
/// Sunday) or a calendar month. Days are counted from 1970-01-01 (a Thursday).
public enum PeriodKind: String, Sendable, CaseIterable {
    case day, week, month

    /// The first day of the period holding `day`.
    public func start(of day: Int64) -> Int64 {
        switch self {
        case .day: return day
        case .week: return day - ((day + 3) % 7 + 7) % 7
        case .month:
            let (year, month, _) = CivilDate.from(days: day)
            return CivilDate.days(year: year, month: month, day: 1)
        }
    }

    /// The first day of the period after the one starting at `start`.
    public func next(after start: Int64) -> Int64 {
        switch self {
        case .day: return start + 1
        case .week: return start + 7
        case .month:
            let (year, month, _) = CivilDate.from(days: start)
            return month == 12 ? CivilDate.days(year: year + 1, month: 1, day: 1) : CivilDate.days(year: year, month: month + 1, day: 1)
        }
    }

    /// The periods from the one holding `first` to the one holding `last`, by their first days.
    public func starts(from first: Int64, through last: Int64) -> [Int64] {
        var out: [Int64] = []
        var start = self.start(of: first)
        while start <= last {
            out.append(start)
            start = next(after: start)
        }
        return out
    }
}

/// Calendar dates from day numbers and back: the JSON module's (`Timestamp`), one algorithm.
public enum CivilDate {
    public static func from(days: Int64) -> (year: Int, month: Int, day: Int) { Timestamp.civil(fromDays: days) }
    public static func days(year: Int, month: Int, day: Int) -> Int64 { Timestamp.days(year: year, month: month, day: day) }
}
