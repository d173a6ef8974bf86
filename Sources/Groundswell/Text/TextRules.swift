import Foundation

/// What user text may contain, and the forms it is stored and compared in. Pure values:
/// no SQL, no HTTP, so the rules are tested directly.
///
/// - Stored text is NFC (one spelling per character, whatever the keyboard sent).
/// - Matching (categories, search, duplicate checks) uses `matchKey`: NFKC, case folded,
///   without invisible characters, so full-width letters, ligatures, compatibility jamo and
///   case variants compare equal. Turkish dotless ı stays itself (Unicode default folding).
/// - Every field refuses C0/C1 controls (U+0085 included) and the bidi embedding, override
///   and isolate controls, which make text read differently from what it says. Single-line
///   fields (titles, names, categories) also refuse line and paragraph separators, and
///   text that is nothing but invisible characters.
public enum TextRules {
    public enum Problem: Equatable, Sendable {
        case control
        case lineBreak
        case bidiControl
        case invisibleOnly
        case invisible
        case mixedScripts
    }

    /// The first problem in `text` for a field of that kind, or nil.
    public static func problem(in text: String, multiline: Bool) -> Problem? {
        var visible = false
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 0x20 || (0x7F...0x9F).contains(value) {
                if multiline && (scalar == "\n" || scalar == "\r" || scalar == "\t") { continue }
                return .control
            }
            if value == 0x2028 || value == 0x2029 {
                if multiline { continue }
                return .lineBreak
            }
            if isBidiControl(scalar) { return .bidiControl }
            if !visible && !isInvisible(scalar) && !scalar.properties.isWhitespace { visible = true }
        }
        return visible || text.isEmpty ? nil : .invisibleOnly
    }

    /// Bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069).
    static func isBidiControl(_ scalar: Unicode.Scalar) -> Bool {
        (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
    }

    /// Characters that draw nothing: default-ignorables (zero-width spaces and joiners, soft
    /// hyphen, word joiner, BOM, variation selectors, tags, Hangul fillers) and marks with
    /// no base to sit on are judged by the caller.
    static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.properties.isDefaultIgnorableCodePoint { return true }
        switch scalar.value {
        case 0x115F, 0x1160, 0x3164, 0xFFA0: return true  // Hangul fillers
        case 0x2800: return true                           // braille blank
        default: return false
        }
    }

    /// NFC, the stored form.
    public static func stored(_ text: String) -> String {
        text.precomposedStringWithCanonicalMapping
    }

    /// The form two strings are compared in: NFKC, case folded, invisible characters removed.
    public static func matchKey(_ text: String) -> String {
        let compatible = text.precomposedStringWithCompatibilityMapping
        var out = String.UnicodeScalarView()
        for scalar in compatible.unicodeScalars where !isInvisible(scalar) {
            out.append(scalar)
        }
        return fold(String(out))
    }

    /// `matchKey` without diacritics (é → e), as the search index compares Latin-script words.
    public static func searchKey(_ text: String) -> String {
        let key = matchKey(text)
        guard key.unicodeScalars.contains(where: { $0.value >= 0xC0 }) else { return key }
        // Only marks on Latin, Greek and Cyrillic letters go: Japanese voicing marks (が) and
        // other scripts' marks change the letter, not its accent.
        var out = String.UnicodeScalarView()
        var baseIsEuropean = false
        for scalar in key.decomposedStringWithCanonicalMapping.unicodeScalars {
            if scalar.properties.generalCategory == .nonspacingMark {
                if baseIsEuropean { continue }
            } else {
                baseIsEuropean = scalar.value < 0x530 || (0x1E00...0x1FFF).contains(scalar.value)
            }
            out.append(scalar)
        }
        return String(out).precomposedStringWithCanonicalMapping
    }

    /// Unicode default case folding for what `lowercased()` leaves apart (ß, ς, ẞ).
    static func fold(_ text: String) -> String {
        var lower = text.lowercased()
        if lower.unicodeScalars.contains(where: { $0.value == 0xDF || $0.value == 0x3C2 || $0.value == 0x1E9E }) {
            lower = lower.replacingOccurrences(of: "\u{DF}", with: "ss")
                .replacingOccurrences(of: "\u{1E9E}", with: "ss")
                .replacingOccurrences(of: "\u{3C2}", with: "\u{3C3}")
        }
        return lower
    }

    /// Scripts a name may combine: one script, optionally with the CJK scripts that are
    /// written together (Han with Hiragana/Katakana, or Hangul) and with Latin (as in
    /// "Wi-Fi 매장"). Latin mixed with Cyrillic or Greek is how look-alike names are made.
    public static func hasMixedScripts(_ text: String) -> Bool {
        var scripts = Set<Script>()
        for scalar in text.precomposedStringWithCompatibilityMapping.unicodeScalars {
            guard let script = Script(scalar) else { continue }
            scripts.insert(script)
        }
        scripts.remove(.common)
        if scripts.count <= 1 { return false }
        let cjk: Set<Script> = [.han, .hiragana, .katakana, .hangul, .latin]
        return !scripts.isSubset(of: cjk)
    }

    enum Script: Hashable {
        case latin, greek, cyrillic, armenian, hebrew, arabic, thai, hangul, han, hiragana, katakana, other, common

        init?(_ scalar: Unicode.Scalar) {
            let v = scalar.value
            guard scalar.properties.isAlphabetic else {
                if scalar.properties.numericType != nil { self = .common; return }
                return nil
            }
            switch v {
            case 0x41...0x5A, 0x61...0x7A, 0xC0...0x24F, 0x1E00...0x1EFF, 0x2C60...0x2C7F, 0xA720...0xA7FF: self = .latin
            case 0x370...0x3FF, 0x1F00...0x1FFF: self = .greek
            case 0x400...0x52F, 0x2DE0...0x2DFF, 0xA640...0xA69F, 0x1C80...0x1C8F: self = .cyrillic
            case 0x530...0x58F: self = .armenian
            case 0x590...0x5FF: self = .hebrew
            case 0x600...0x6FF, 0x750...0x77F, 0x8A0...0x8FF: self = .arabic
            case 0xE00...0xE7F: self = .thai
            case 0x1100...0x11FF, 0x3130...0x318F, 0xA960...0xA97F, 0xAC00...0xD7FF: self = .hangul
            case 0x3040...0x309F: self = .hiragana
            case 0x30A0...0x30FF, 0x31F0...0x31FF, 0xFF66...0xFF9F: self = .katakana
            case 0x2E80...0x2FDF, 0x3005, 0x3007, 0x3021...0x3029, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF,
                 0x20000...0x3FFFF: self = .han
            case 0x300...0x36F: return nil  // combining marks belong to their base
            default: self = .other
            }
        }
    }

    /// A sentence for the API's 400 answer.
    public static func message(_ problem: Problem, field: String) -> String {
        switch problem {
        case .control: return "\(field) must not contain control characters"
        case .lineBreak: return "\(field) must be a single line"
        case .bidiControl: return "\(field) must not contain bidirectional control characters (U+202A–U+202E, U+2066–U+2069)"
        case .invisibleOnly: return "\(field) must contain visible characters"
        case .invisible: return "\(field) must not contain invisible characters"
        case .mixedScripts: return "\(field) must not mix scripts that look alike (such as Latin with Cyrillic or Greek)"
        }
    }
}
