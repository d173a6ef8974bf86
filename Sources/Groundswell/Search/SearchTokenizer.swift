import SQLiteStore

/// The search index's tokenizer (FTS5 `tokenize='groundswell'`), for every script.
///
/// - Space-separated scripts keep the behaviour of SQLite's `unicode61 remove_diacritics 2`:
///   a word is a run of letters, digits, marks and `_`; it is compared in `TextRules.searchKey`
///   form (NFKC, case folded, accents off Latin/Greek/Cyrillic letters).
/// - Hangul, Han, Hiragana and Katakana are written without spaces between words, or with
///   particles and endings glued to them (텀블러를, 대여하는). A run of them is indexed as
///   overlapping character bigrams, as Lucene's CJK analyzer and Elasticsearch's `cjk_bigram`
///   do, so a stem finds its inflected forms and a word finds the compounds it is in; every
///   character is also indexed on its own, colocated with its bigram, so one-character
///   searches (컵, 茶) still find it. Queries tokenize a run into its bigrams only (a phrase).
///   NFKC first: half-width katakana, compatibility jamo and CJK compatibility ideographs
///   become their ordinary forms.
///
/// It must stay a pure function of its input: changing what it emits needs a migration that
/// rebuilds `ideas_fts` (external-content deletes re-tokenize the old text).
public struct SearchTokenizer: FullTextTokenizer {
    public static let name = "groundswell"
    public static let registered = RegisteredTokenizer(name: name, tokenizer: SearchTokenizer())

    public init() {}

    public func tokenize(_ text: UnsafeBufferPointer<UInt8>, forQuery: Bool,
                         emit: (UnsafeBufferPointer<UInt8>, Range<Int>, Bool) -> Bool) {
        var scratch: [UInt8] = []
        scratch.reserveCapacity(64)
        var stopped = false
        func send(_ bytes: [UInt8], _ range: Range<Int>, _ colocated: Bool) {
            guard !stopped, !bytes.isEmpty else { return }
            if !bytes.withUnsafeBufferPointer({ emit($0, range, colocated) }) { stopped = true }
        }
        SearchTokenizer.segment(text) { run in
            if stopped { return }
            switch run.kind {
            case .word:
                send(SearchTokenizer.wordKey(text, run.range, scratch: &scratch), run.range, false)
            case .cjk:
                let units = run.units.map { SearchTokenizer.unitKey(text, $0) }
                if units.count == 1 {
                    send(units[0], run.units[0], false)
                    return
                }
                for i in 0..<(units.count - 1) {
                    send(units[i] + units[i + 1], run.units[i].lowerBound..<run.units[i + 1].upperBound, false)
                    if !forQuery { send(units[i], run.units[i], true) }
                }
                if !forQuery { send(units[units.count - 1], run.units[units.count - 1], true) }
            }
        }
    }

    // MARK: segmentation

    enum RunKind { case word, cjk }

    /// A word, or a run of CJK characters with each character's byte range (a character
    /// here is a base with the marks, joiners and variation selectors that follow it).
    struct Run {
        var kind: RunKind
        var range: Range<Int>
        var units: [Range<Int>]
    }

    enum CharClass { case separator, word, cjk, mark }

    /// Splits UTF-8 text into runs, calling `visit` for each in order.
    static func segment(_ text: UnsafeBufferPointer<UInt8>, _ visit: (Run) -> Void) {
        var current: Run?
        var i = 0
        let n = text.count
        while i < n {
            let (scalar, length) = decode(text, at: i)
            let kind = scalar.map(classify) ?? .separator
            let range = i..<(i + length)
            switch kind {
            case .separator:
                if let run = current { visit(run) }
                current = nil
            case .mark:
                // A mark belongs to the character before it; with none, it separates.
                if var run = current {
                    run.range = run.range.lowerBound..<range.upperBound
                    if run.kind == .cjk { run.units[run.units.count - 1] = run.units[run.units.count - 1].lowerBound..<range.upperBound }
                    current = run
                }
            case .word, .cjk:
                let runKind: RunKind = kind == .cjk ? .cjk : .word
                if var run = current, run.kind == runKind {
                    run.range = run.range.lowerBound..<range.upperBound
                    if runKind == .cjk { run.units.append(range) }
                    current = run
                } else {
                    if let run = current { visit(run) }
                    current = Run(kind: runKind, range: range, units: runKind == .cjk ? [range] : [])
                }
            }
            i += length
        }
        if let run = current { visit(run) }
    }

    /// One scalar of well-formed UTF-8 at `i` and its length; nil (length 1) for a bad byte.
    @inline(__always)
    static func decode(_ text: UnsafeBufferPointer<UInt8>, at i: Int) -> (Unicode.Scalar?, Int) {
        let b0 = text[i]
        if b0 < 0x80 { return (Unicode.Scalar(b0), 1) }
        let length = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC0 ? 2 : 1
        guard length > 1, i + length <= text.count else { return (nil, 1) }
        var value = UInt32(b0) & (0xFF >> UInt32(length + 1))
        for k in 1..<length {
            let b = text[i + k]
            guard b & 0xC0 == 0x80 else { return (nil, 1) }
            value = value << 6 | UInt32(b & 0x3F)
        }
        return (Unicode.Scalar(value), length)
    }

    static func classify(_ scalar: Unicode.Scalar) -> CharClass {
        let v = scalar.value
        if v < 0x80 {
            switch v {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x5F: return .word
            default: return .separator
            }
        }
        if isCJK(v) { return .cjk }
        switch v {
        case 0x200D, 0xFE00...0xFE0F, 0xFF9E, 0xFF9F, 0xE0100...0xE01EF: return .mark
        default: break
        }
        let properties = scalar.properties
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return .mark
        default: break
        }
        if properties.isAlphabetic || properties.numericType != nil { return .word }
        return .separator
    }

    /// Hangul, Han, Hiragana and Katakana (full and half width).
    @inline(__always)
    static func isCJK(_ v: UInt32) -> Bool {
        switch v {
        case 0x1100...0x11FF, 0x3130...0x318F, 0xA960...0xA97F, 0xAC00...0xD7FF,   // Hangul
             0x3040...0x309F, 0x30A0...0x30FF, 0x31F0...0x31FF, 0xFF66...0xFF9D,   // kana
             0x3005, 0x3007, 0x3021...0x3029, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xF900...0xFAFF, 0x20000...0x3FFFF:                                   // Han
            return true
        default:
            return false
        }
    }

    // MARK: normal forms

    /// A word's token: ASCII lower-cased in place, anything else through `TextRules.searchKey`.
    static func wordKey(_ text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, scratch: inout [UInt8]) -> [UInt8] {
        scratch.removeAll(keepingCapacity: true)
        var ascii = true
        for i in range {
            let b = text[i]
            if b >= 0x80 { ascii = false; break }
            scratch.append(b >= 0x41 && b <= 0x5A ? b + 32 : b)
        }
        if ascii { return scratch }
        return Array(TextRules.searchKey(String(decoding: UnsafeBufferPointer(rebasing: text[range]), as: UTF8.self)).utf8)
    }

    /// A CJK character's token: its bytes, or its NFKC form where that differs (half-width
    /// katakana, compatibility jamo and ideographs, or a character with marks).
    static func unitKey(_ text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> [UInt8] {
        let bytes = UnsafeBufferPointer(rebasing: text[range])
        let (scalar, length) = decode(text, at: range.lowerBound)
        if length == range.count, let v = scalar?.value,
           !(0x3130...0x318F).contains(v), !(0xFF66...0xFF9D).contains(v), !(0xF900...0xFAFF).contains(v) {
            return Array(bytes)
        }
        return Array(TextRules.matchKey(String(decoding: bytes, as: UTF8.self)).utf8)
    }
}

extension SearchTokenizer {
    /// A token with where it came from, for highlighting and similarity (Swift callers).
    struct Token: Hashable {
        let text: String
        let range: Range<Int>
        /// Position in the token stream (colocated tokens share one).
        let position: Int
    }

    /// The tokens of `text`, as the index (or, with `forQuery`, a query) sees them.
    func tokens(_ text: String, forQuery: Bool = false) -> [Token] {
        var out: [Token] = []
        var position = -1
        var copy = text
        copy.withUTF8 { bytes in
            tokenize(bytes, forQuery: forQuery) { token, range, colocated in
                if !colocated { position += 1 }
                out.append(Token(text: String(decoding: token, as: UTF8.self), range: range, position: position))
                return true
            }
        }
        return out
    }
}
