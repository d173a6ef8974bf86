import JSON

/// Reading the API's JSON (which the stores write) while rendering a page: the pages show
/// exactly what the API answers, from the same store code.
extension JSONValue {
    func string(_ key: String) -> String? {
        if case .string(let text)? = self[key] { return text }
        return nil
    }

    func int(_ key: String) -> Int64? {
        if case .number(let text)? = self[key] { return Int64(text) }
        return nil
    }

    func bool(_ key: String) -> Bool {
        if case .bool(let value)? = self[key] { return value }
        return false
    }

    func items(_ key: String) -> [JSONValue] {
        if case .array(let values)? = self[key] { return values }
        return []
    }

    func time(_ key: String) -> Int64? { string(key).flatMap(Timestamp.parse) }

    /// Parses bytes the server itself wrote; they are always valid JSON.
    static func of(_ bytes: [UInt8]) -> JSONValue { (try? JSONParser.parse(bytes)) ?? .null }
}
