/// Marks what a search matched: the text HTML-escaped, with each matched part in
/// `<mark>…</mark>`. A term matches where all its tokens stand at consecutive positions of
/// the text's token stream — for a CJK term, the characters of the phrase, not every stray
/// bigram — so the marks are exactly what the index matched.
struct Highlighter {
    let query: SearchQuery
    private let tokenizer = SearchTokenizer()

    /// A run of the text, matched (to be marked) or not.
    struct Segment: Equatable {
        var text: String
        var marked: Bool
    }

    /// The whole text, escaped and marked.
    func mark(_ text: String) -> String { Highlighter.html(segments(text)) }

    /// At most `length` characters around the first match (all of a shorter text), with
    /// "…" where text was cut; escaped and marked.
    func snippet(_ text: String, length: Int = 200) -> String { Highlighter.html(snippetSegments(text, length: length)) }

    /// The whole text in runs, matched or not (pages build their `<mark>`s from them).
    func segments(_ text: String) -> [Segment] {
        split(text, ranges: matchedRanges(text), window: nil)
    }

    /// The snippet's runs.
    func snippetSegments(_ text: String, length: Int = 200) -> [Segment] {
        let ranges = matchedRanges(text)
        let scalars = text.unicodeScalars.count
        guard scalars > length else { return split(text, ranges: ranges, window: nil) }
        // Byte offset → scalar index of the first match, to centre the window a little before it.
        var startScalar = 0
        if let first = ranges.first {
            var bytes = 0, index = 0
            for scalar in text.unicodeScalars {
                if bytes >= first.lowerBound { break }
                bytes += UTF8.width(scalar)
                index += 1
            }
            startScalar = max(0, min(index - length / 4, scalars - length))
        }
        return split(text, ranges: ranges, window: startScalar..<(startScalar + length))
    }

    /// Escaped text with each matched run in `<mark>…</mark>`.
    static func html(_ segments: [Segment]) -> String {
        var out = ""
        for segment in segments {
            if segment.marked { out += "<mark>" }
            out += HTMLEscaping.escape(segment.text)
            if segment.marked { out += "</mark>" }
        }
        return out
    }

    func matchedRanges(_ text: String) -> [Range<Int>] {
        let tokens = tokenizer.tokens(text)
        guard let last = tokens.last else { return [] }
        var byPosition = [[SearchTokenizer.Token]](repeating: [], count: last.position + 1)
        for token in tokens { byPosition[token.position].append(token) }
        var ranges: [Range<Int>] = []
        for term in query.terms where !term.isEmpty {
            guard term.count <= byPosition.count else { continue }
            for start in 0...(byPosition.count - term.count) {
                var matched: [Range<Int>] = []
                for (offset, wanted) in term.enumerated() {
                    guard let hit = byPosition[start + offset].first(where: { $0.text == wanted }) else { matched = []; break }
                    matched.append(hit.range)
                }
                ranges += matched
            }
        }
        return merge(ranges)
    }

    private func merge(_ ranges: [Range<Int>]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = out.last, range.lowerBound <= last.upperBound {
                out[out.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                out.append(range)
            }
        }
        return out
    }

    /// Splits `text` (the scalars in `window`, if given) into runs inside and outside the byte `ranges`.
    private func split(_ text: String, ranges: [Range<Int>], window: Range<Int>?) -> [Segment] {
        var out: [Segment] = []
        func append(_ scalar: Unicode.Scalar, marked: Bool) {
            if let last = out.last, last.marked == marked { out[out.count - 1].text.unicodeScalars.append(scalar) }
            else { out.append(Segment(text: String(scalar), marked: marked)) }
        }
        var byte = 0
        var index = 0
        var next = 0
        if let window, window.lowerBound > 0 { append("…", marked: false) }
        for scalar in text.unicodeScalars {
            let width = UTF8.width(scalar)
            let inside = window.map { $0.contains(index) } ?? true
            while next < ranges.count && ranges[next].upperBound <= byte { next += 1 }
            if inside { append(scalar, marked: next < ranges.count && ranges[next].contains(byte)) }
            byte += width
            index += 1
        }
        if let window, window.upperBound < index { append("…", marked: false) }
        return out
    }
}
