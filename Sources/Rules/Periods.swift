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

/// Proleptic Gregorian dates from day numbers and back (Howard Hinnant's algorithms).
public enum CivilDate {
    public static func from(days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(m <= 2 ? y + 1 : y), Int(m), Int(d))
    }

    public static func days(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
