import JSON

/// Dates as the reader's language writes them: "30 Nov 2026" and "2026년 11월 30일" (UTC days),
/// always inside a `<time datetime>` that carries the exact instant.
enum WebDate {
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func day(_ millis: Int64, _ language: WebLanguage) -> String {
        let text = Timestamp.string(millis)  // 2026-11-30T12:00:00.000Z
        let parts = text.prefix(10).split(separator: "-")
        guard parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1...12).contains(month) else { return String(text.prefix(10)) }
        return language == .ko ? "\(year)년 \(month)월 \(day)일" : "\(day) \(months[month - 1]) \(year)"
    }

    /// An RFC 3339 time from the API as milliseconds, if it is one.
    static func millis(_ text: String) -> Int64? { Timestamp.parse(text) }

    /// "5 h 12 min" / "5시간 12분" until `millis`.
    static func duration(_ millis: Int64, _ language: WebLanguage) -> String {
        let minutes = max(1, (millis + 59_999) / 60_000)
        let hours = minutes / 60, rest = minutes % 60
        if language == .ko { return hours > 0 ? "\(hours)시간 \(rest)분" : "\(rest)분" }
        return hours > 0 ? "\(hours) h \(rest) min" : "\(rest) min"
    }

    static func write(_ millis: Int64, _ language: WebLanguage, into html: inout HTML) {
        html.element("time", [("datetime", Timestamp.string(millis))]) { $0.text(day(millis, language)) }
    }
}
