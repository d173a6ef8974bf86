import JSON
import HTTPServer

/// A JSON object body with typed, validated field access. Every failure is a 400
/// `invalid_request` whose message names the field.
public struct RequestBody {
    public let value: JSONValue

    public init(_ request: Request, allowEmpty: Bool = false) throws {
        if request.body.isEmpty {
            guard allowEmpty else { throw APIError.invalid("the body must be a JSON object") }
            value = .object([])
            return
        }
        do {
            value = try JSONParser.parse(request.body)
        } catch let failure as JSONParser.Failure {
            throw APIError.invalid(failure.message)
        }
        guard case .object = value else { throw APIError.invalid("the body must be a JSON object") }
    }

    public func has(_ field: String) -> Bool { value[field] != nil }

    /// A required or optional string, trimmed of surrounding whitespace, with a length in
    /// Unicode scalars (what most clients call characters).
    public func string(_ field: String, length: ClosedRange<Int>, required: Bool = true,
                       multiline: Bool = false) throws -> String? {
        guard let raw = value[field] else {
            if required { throw APIError.invalid("\(field) is required") }
            return nil
        }
        guard case .string(let text) = raw else {
            if !required, case .null = raw { return nil }
            throw APIError.invalid("\(field) must be a string, not \(raw.typeName)")
        }
        // Controls and bidi controls are refused even where trimming would drop them (U+0085
        // is white space to Unicode); tab and line breaks at the edges are merely trimmed.
        if let problem = TextRules.problem(in: text, multiline: true), problem != .invisibleOnly {
            throw APIError.invalid(TextRules.message(problem, field: field))
        }
        // Stored as NFC, so one character has one spelling whatever the keyboard sent.
        let trimmed = TextRules.stored(text.trimmingWhitespace())
        let count = trimmed.unicodeScalars.count
        guard length.contains(count) else {
            throw APIError.invalid("\(field) must be \(length.lowerBound) to \(length.upperBound) characters long (got \(count))")
        }
        if let problem = TextRules.problem(in: trimmed, multiline: multiline) {
            throw APIError.invalid(TextRules.message(problem, field: field))
        }
        return trimmed
    }

    public func requiredString(_ field: String, length: ClosedRange<Int>, multiline: Bool = false) throws -> String {
        try string(field, length: length, required: true, multiline: multiline)!
    }

    /// An integer field (no fraction, no exponent beyond the integer range).
    public func int(_ field: String, range: ClosedRange<Int64>, required: Bool = true) throws -> Int64? {
        guard let raw = value[field] else {
            if required { throw APIError.invalid("\(field) is required") }
            return nil
        }
        if !required, case .null = raw { return nil }
        guard case .number(let text) = raw else {
            throw APIError.invalid("\(field) must be an integer, not \(raw.typeName)")
        }
        guard let number = Int64(text) else { throw APIError.invalid("\(field) must be an integer") }
        guard range.contains(number) else {
            throw APIError.invalid("\(field) must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return number
    }

    public func bool(_ field: String, required: Bool = false) throws -> Bool? {
        guard let raw = value[field] else {
            if required { throw APIError.invalid("\(field) is required") }
            return nil
        }
        if !required, case .null = raw { return nil }
        guard case .bool(let flag) = raw else { throw APIError.invalid("\(field) must be a boolean, not \(raw.typeName)") }
        return flag
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }
}
