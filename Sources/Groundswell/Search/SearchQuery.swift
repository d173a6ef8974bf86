/// Free text turned into a safe FTS5 query. Every term is a quoted string (so nothing the
/// user types is read as FTS5 syntax), tokenized by `SearchTokenizer` like the index: a word
/// is one token, a CJK run a phrase of its bigrams. Queries are written the way people type,
/// so CJK runs are trimmed to their stems first:
/// - Korean: a trailing particle or ending (를, 에서, 하는, 해주세요, …) is dropped from a run
///   of three or more syllables, leaving at least two ("텀블러를" → "텀블러").
/// - Japanese: a run is cut where the script changes (Han, Hiragana, Katakana), and
///   hiragana pieces that are particles (の, を, は, が, に, で, と, も, へ, や, から, まで, より)
///   are dropped ("東京のカフェ" → "東京" "カフェ").
/// - Chinese: 的 and 了 split a run and are dropped ("环保的杯子" → "环保" "杯子").
/// - Spacing: a Korean term of 4 to 8 syllables also matches as two parts written apart
///   ("귀리우유" finds "귀리 우유"): `("귀리우유" OR ("귀리" "우유"))`, parts of two or more.
/// The expression doubles as the search cache key, so every spelling of one query (case,
/// width, accents, composed or not) shares an entry.
struct SearchQuery: Equatable {
    /// The FTS5 MATCH expression.
    let expression: String
    /// Each term's tokens as a query sees them (a phrase, for CJK), for highlighting.
    let terms: [[String]]
    /// The query as structure, for engines other than FTS5: every clause required; a clause
    /// matches when any of its alternatives does; an alternative is pieces, each a phrase, all
    /// required.
    let clauses: [[[String]]]

    static let maxTerms = 16

    /// Every term required (the listing's `q`).
    static func all(_ text: String) -> SearchQuery? {
        let pieces = Array(terms(of: text).prefix(maxTerms))
        guard !pieces.isEmpty else { return nil }
        let tokenizer = SearchTokenizer()
        var clauses: [[[String]]] = []
        var terms: [[String]] = []
        for piece in pieces {
            let syllables = piece.map(String.init)
            let hangul = syllables.allSatisfy { script($0) == .hangul }
            terms.append(tokenizer.tokens(piece, forQuery: true).map(\.text))
            var alternatives = [[piece]]
            if hangul && (4...8).contains(syllables.count) {
                for cut in 2...(syllables.count - 2) {
                    let head = syllables[..<cut].joined(), tail = syllables[cut...].joined()
                    alternatives.append([head, tail])
                    terms.append(tokenizer.tokens(head, forQuery: true).map(\.text))
                    terms.append(tokenizer.tokens(tail, forQuery: true).map(\.text))
                }
            }
            clauses.append(alternatives)
        }
        let expression = clauses.map { alternatives -> String in
            guard alternatives.count > 1 else { return quote(alternatives[0][0]) }
            return "(" + alternatives.map { parts in parts.count == 1 ? quote(parts[0]) : "(" + parts.map(quote).joined(separator: " ") + ")" }
                .joined(separator: " OR ") + ")"
        }.joined(separator: " ")
        return SearchQuery(expression: expression, terms: terms.filter { !$0.isEmpty }, clauses: clauses)
    }

    /// The same query for PostgreSQL (`tsquery` text over `PostgresSearch`'s lexemes): each piece a
    /// phrase of its tokens (`<->` between neighbours, `<0>` between tokens at one position),
    /// alternatives joined by `|`, clauses by `&`. Nil if no piece has a token.
    var tsquery: String? {
        let tokenizer = SearchTokenizer()
        func phrase(_ piece: String) -> String? {
            let tokens = tokenizer.tokens(piece, forQuery: true)
            guard var text = tokens.first.map({ PostgresSearch.lexeme($0.text) }) else { return nil }
            for (previous, token) in zip(tokens, tokens.dropFirst()) {
                text += " <\(token.position - previous.position)> " + PostgresSearch.lexeme(token.text)
            }
            return "(" + text + ")"
        }
        let rendered = clauses.compactMap { alternatives -> String? in
            let options = alternatives.compactMap { parts -> String? in
                let phrases = parts.compactMap(phrase)
                return phrases.count == parts.count ? "(" + phrases.joined(separator: " & ") + ")" : nil
            }
            return options.isEmpty ? nil : "(" + options.joined(separator: " | ") + ")"
        }
        return rendered.isEmpty ? nil : rendered.joined(separator: " & ")
    }

    static func quote(_ piece: String) -> String {
        "\"" + piece.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Any token suffices (duplicate detection): each bigram and word on its own, ranked by BM25.
    static func any(_ text: String) -> SearchQuery? {
        var seen = Set<String>()
        var tokens: [String] = []
        for token in SearchTokenizer().tokens(text, forQuery: true) where seen.insert(token.text).inserted {
            tokens.append(token.text)
        }
        guard !tokens.isEmpty else { return nil }
        let pieces = Array(tokens.prefix(32))
        return SearchQuery(expression: pieces.map(quote).joined(separator: " OR "), terms: pieces.map { [$0] }, clauses: [pieces.map { [$0] }])
    }

    /// The query's terms: normalized words and trimmed CJK pieces, in order, without repeats.
    static func terms(of text: String) -> [String] {
        var out: [String] = []
        var seen = Set<String>()
        func add(_ piece: String) {
            if !piece.isEmpty && seen.insert(piece).inserted { out.append(piece) }
        }
        var copy = text
        copy.withUTF8 { bytes in
            var scratch: [UInt8] = []
            SearchTokenizer.segment(bytes) { run in
                switch run.kind {
                case .word:
                    add(String(decoding: SearchTokenizer.wordKey(bytes, run.range, scratch: &scratch), as: UTF8.self))
                case .cjk:
                    let units = run.units.map { String(decoding: SearchTokenizer.unitKey(bytes, $0), as: UTF8.self) }
                    for piece in stems(units) { add(piece) }
                }
            }
        }
        return out
    }

    // MARK: CJK stems

    enum Script { case hangul, hiragana, katakana, han }

    static func script(_ unit: String) -> Script {
        let v = unit.unicodeScalars.first?.value ?? 0
        switch v {
        case 0x3040...0x309F: return .hiragana
        case 0x30A0...0x30FF, 0x31F0...0x31FF, 0xFF66...0xFF9D: return .katakana
        case 0x1100...0x11FF, 0x3130...0x318F, 0xA960...0xA97F, 0xAC00...0xD7FF: return .hangul
        default: return .han
        }
    }

    static let koreanEndings: [[String]] = [
        "해주세요", "주세요", "해줘요", "합니다", "습니다", "입니다", "했으면", "으로는", "에서는", "에게서",
        "에서", "으로", "에게", "한테", "까지", "부터", "보다", "처럼", "하는", "하고", "하기", "해요", "해서",
        "하면", "되는", "이랑", "이나", "에는", "에도", "와", "과", "을", "를", "이", "가", "은", "는", "에", "의",
        "도", "로", "만", "요", "한", "된",
    ].map { $0.map(String.init) }.sorted { $0.count > $1.count }

    static let japaneseParticles: Set<String> = ["の", "を", "は", "が", "に", "で", "と", "も", "へ", "や", "から", "まで", "より", "って"]
    static let chineseFunctionWords: Set<String> = ["的", "了"]

    static func stems(_ units: [String]) -> [String] {
        let scripts = units.map(script)
        if scripts.allSatisfy({ $0 == .hangul }) {
            var stem = units
            var changed = true
            while changed && stem.count >= 3 {
                changed = false
                for ending in koreanEndings where stem.count - ending.count >= 2 && Array(stem.suffix(ending.count)) == ending {
                    stem.removeLast(ending.count)
                    changed = true
                    break
                }
            }
            return [stem.joined()]
        }
        // Cut where the script changes; drop particles and function words.
        var pieces: [(script: Script, units: [String])] = []
        for (unit, script) in zip(units, scripts) {
            if script == .han && chineseFunctionWords.contains(unit) {
                pieces.append((.hiragana, [unit]))  // a piece of its own, dropped below
                pieces.append((.han, []))
                continue
            }
            if let last = pieces.last, last.script == script {
                pieces[pieces.count - 1].units.append(unit)
            } else {
                pieces.append((script, [unit]))
            }
        }
        let kept = pieces.filter { piece in
            let text = piece.units.joined()
            if text.isEmpty { return false }
            if piece.script == .hiragana && (japaneseParticles.contains(text) || chineseFunctionWords.contains(text)) { return false }
            return true
        }.map { $0.units.joined() }
        return kept.isEmpty ? [units.joined()] : kept
    }
}
