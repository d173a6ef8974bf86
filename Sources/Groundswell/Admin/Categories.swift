import HTTPServer
import SQLiteStore

/// Category names: free text until staff manage a list, then one of the list. Names that look
/// the same are the same category (compared by `TextRules.matchKey`).
enum Categories {
    /// The stored category whose name matches `name` (case-insensitively), if categories
    /// are managed; nil when none exist (free text). Throws 400 `unknown_category`.
    static func canonical(_ db: Connection, _ name: String) throws -> String {
        let name = try validName(name, field: "category")
        guard try db.scalarInt("SELECT 1 FROM categories LIMIT 1") != nil else { return name }
        if let stored = try db.queryOne("SELECT name FROM categories WHERE name = ?", [name], { $0.string(0) }) { return stored }
        let all = try db.query("SELECT name FROM categories ORDER BY name") { $0.string(0) }
        let key = TextRules.matchKey(name)
        guard let stored = all.first(where: { TextRules.matchKey($0) == key }) else {
            throw ErrorCode.unknownCategory.error("category must be one of: \(all.joined(separator: ", "))")
        }
        return stored
    }

    /// A category name beyond the single-line rules: no invisible characters anywhere, and
    /// no mix of look-alike scripts (400 `invalid_request`).
    static func validName(_ name: String, field: String) throws -> String {
        if name.unicodeScalars.contains(where: TextRules.isInvisible) {
            throw APIError.invalid(TextRules.message(.invisible, field: field))
        }
        if TextRules.hasMixedScripts(name) { throw APIError.invalid(TextRules.message(.mixedScripts, field: field)) }
        return name
    }
}
