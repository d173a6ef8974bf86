import Synchronization

/// Turns the stores' SQL — written once, in the subset both engines share — into PostgreSQL's
/// spelling where SQLite's differs. Only these differences are rewritten (outside string
/// literals and quoted names); anything else a store needs per engine it writes per engine.
/// - `?` parameters become `$1`, `$2`, …; numbered ones (`?2`) keep their number
/// - `a IS b` / `a IS NOT b` (SQLite's NULL-safe comparison of any two values) become
///   `IS [NOT] DISTINCT FROM` — except before `NULL`, `TRUE`, `FALSE` and `DISTINCT`
/// - `group_concat([DISTINCT] x)` becomes `string_agg([DISTINCT] CAST(x AS TEXT), ',')`
/// - an `INSERT` into a table whose `id` is an identity column, without a `RETURNING` of its own,
///   gets `RETURNING id` (`SQLConnection.lastInsertRowID` reads it: no second round trip)
public enum PostgresDialect {
    /// Tables whose `id` is an identity column (read from the schema when a database opens).
    static let identityTables = Mutex<Set<String>>([])

    /// Whether `translate` adds `RETURNING id` to `sql`.
    static func returnsID(_ sql: String) -> Bool {
        guard sql.utf8.prefix(6).elementsEqual("INSERT".utf8), !sql.uppercased().contains("RETURNING"),
              let table = SQLConnection.targetTable(sql) else { return false }
        return identityTables.withLock { $0.contains(table) }
    }

    public static func translate(_ sql: String) -> String {
        let spelled = spell(sql)
        return returnsID(sql) ? spelled + " RETURNING id" : spelled
    }

    private static func spell(_ sql: String) -> String {
        var input = Array(sql.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(input.count + 16)
        var parameter = 0
        var index = 0
        while index < input.count {
            let byte = input[index]
            switch byte {
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                // Copy a literal or quoted name whole (a doubled quote stays inside it).
                var end = index + 1
                while end < input.count {
                    if input[end] == byte {
                        if end + 1 < input.count && input[end + 1] == byte { end += 2; continue }
                        break
                    }
                    end += 1
                }
                output.append(contentsOf: input[index...min(end, input.count - 1)])
                index = end + 1
            case UInt8(ascii: "?"):
                var end = index + 1
                while end < input.count, input[end] >= 48, input[end] <= 57 { end += 1 }
                if end > index + 1, let number = Int(String(decoding: input[(index + 1)..<end], as: UTF8.self)) {
                    parameter = max(parameter, number)
                    output.append(contentsOf: Array("$\(number)".utf8))
                } else {
                    parameter += 1
                    output.append(contentsOf: Array("$\(parameter)".utf8))
                }
                index = end
            case UInt8(ascii: "I"), UInt8(ascii: "i"):
                if let (replacement, end) = nullSafeComparison(input, at: index) {
                    output.append(contentsOf: Array(replacement.utf8))
                    index = end
                } else {
                    output.append(byte)
                    index += 1
                }
            case UInt8(ascii: "g"), UInt8(ascii: "G"):
                if let (replacement, end) = groupConcat(input, at: index) {
                    // Spliced into the input, so parameters inside it are numbered in order.
                    input.replaceSubrange(index..<end, with: Array(replacement.utf8))
                    output.append(contentsOf: Array("string_agg(".utf8))
                    index += "string_agg(".utf8.count
                } else {
                    output.append(byte)
                    index += 1
                }
            default:
                output.append(byte)
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// `IS` or `IS NOT` at `index` comparing two values: its replacement and where it ends.
    private static func nullSafeComparison(_ input: [UInt8], at index: Int) -> (String, Int)? {
        guard word(input, at: index) == "IS" else { return nil }
        var end = index + 2
        var negated = false
        func skipSpace() { while end < input.count, input[end] == 32 || input[end] == 10 || input[end] == 9 { end += 1 } }
        skipSpace()
        if word(input, at: end) == "NOT" {
            negated = true
            end += 3
            skipSpace()
        }
        if ["NULL", "TRUE", "FALSE", "DISTINCT"].contains(word(input, at: end)) { return nil }
        return (negated ? "IS DISTINCT FROM " : "IS NOT DISTINCT FROM ", end)
    }

    /// The keyword-like word starting at `index` (uppercased), if one starts there.
    private static func word(_ input: [UInt8], at index: Int) -> String? {
        guard index < input.count, index == 0 || !isNameByte(input[index - 1]) else { return nil }
        var end = index
        while end < input.count, isNameByte(input[end]), input[end] != 46 { end += 1 }
        guard end > index else { return nil }
        return String(decoding: input[index..<end], as: UTF8.self).uppercased()
    }

    /// `group_concat(…)` at `index` (not part of a longer name): its replacement and where it ends.
    private static func groupConcat(_ input: [UInt8], at index: Int) -> (String, Int)? {
        let name = Array("group_concat(".utf8)
        guard index + name.count <= input.count,
              zip(input[index..<(index + name.count)], name).allSatisfy({ $0 | 0x20 == $1 | 0x20 }),
              index == 0 || !isNameByte(input[index - 1]) else { return nil }
        var depth = 1
        var end = index + name.count
        while end < input.count && depth > 0 {
            if input[end] == UInt8(ascii: "(") { depth += 1 }
            if input[end] == UInt8(ascii: ")") { depth -= 1 }
            end += 1
        }
        guard depth == 0 else { return nil }
        var inner = String(decoding: input[(index + name.count)..<(end - 1)], as: UTF8.self)
        var distinct = ""
        if inner.uppercased().hasPrefix("DISTINCT ") {
            distinct = "DISTINCT "
            inner = String(inner.dropFirst(9))
        }
        return ("string_agg(\(distinct)CAST(\(inner) AS TEXT), ',')", end)
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 48 && byte <= 57) || (byte | 0x20 >= 97 && byte | 0x20 <= 122) || byte == 95 || byte == 46
    }
}
