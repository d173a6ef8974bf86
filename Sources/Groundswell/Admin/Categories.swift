import JSON
import HTTPServer
import SQLiteStore
import Storage

/// Category names: free text until staff manage a list, then one of the list. Names that look
/// the same are the same category (compared by `TextRules.matchKey`).
enum Categories {
    /// The stored category whose name matches `name` (case-insensitively), if categories
    /// are managed; nil when none exist (free text). Throws 400 `unknown_category`.
    static func canonical(_ db: SQLConnection, _ name: String) throws -> String {
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

    /// The managed categories' names, in order (the web pages' lists).
    static func names(_ db: SQLConnection) throws -> [String] {
        try db.query("SELECT name FROM categories ORDER BY name") { $0.string(0) }
    }

    static func listJSON(_ db: SQLConnection) throws -> [UInt8] {
        var json = JSONWriter(capacity: 512)
        json.beginObject()
        json.key("items")
        json.beginArray()
        _ = try db.query("SELECT id, name, created_at FROM categories ORDER BY name") { row in
            json.beginObject()
            json.key("id"); json.int(row.int64(0))
            json.key("name"); json.string(row.string(1))
            json.key("created_at"); json.timestamp(row.int64(2))
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return json.bytes
    }

    /// Adds a category; 409 `category_exists` when one that looks the same exists.
    static func create(_ db: SQLConnection, name: String, at now: Int64) throws -> Int64 {
        let key = TextRules.matchKey(name)
        if let existing = try db.query("SELECT name FROM categories", [], { $0.string(0) }).first(where: { TextRules.matchKey($0) == key }) {
            throw APIError.conflict(.categoryExists, "a category with this name already exists (\(existing))")
        }
        do {
            try db.run("INSERT INTO categories (name, created_at) VALUES (?, ?)", [name, now])
        } catch where StorageFailure.isUniqueViolation(error) {
            throw APIError.conflict(.categoryExists, "a category with this name already exists")
        }
        return db.lastInsertRowID
    }

    /// Deletes an unused category; returns its name (404, or 409 `category_in_use`).
    static func delete(_ db: SQLConnection, id: Int64) throws -> String {
        guard let name = try db.queryOne("SELECT name FROM categories WHERE id = ?", [id], { $0.string(0) }) else {
            throw APIError.notFound("category")
        }
        if try db.scalarInt("SELECT 1 FROM ideas WHERE lower(category) = lower(?) LIMIT 1", [name]) != nil {
            throw APIError.conflict(.categoryInUse, "ideas use this category")
        }
        try db.run("DELETE FROM categories WHERE id = ?", [id])
        return name
    }
}
