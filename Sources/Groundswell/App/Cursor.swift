import JSON
import HTTPServer

/// Opaque keyset-pagination cursors. A cursor names the sort it belongs to and the
/// position after the last item served, so pages stay free of duplicates and gaps
/// while new rows arrive.
public struct Cursor: Equatable {
    public var kind: String
    public var values: [String]

    public init(kind: String, values: [String]) {
        self.kind = kind
        self.values = values
    }

    public var encoded: String {
        Base64URL.encode(Array(([kind] + values).joined(separator: "|").utf8))
    }

    /// Decodes a cursor made for `kind` with `count` values, or throws 400 naming `cursor`.
    public static func decode(_ text: String, kind: String, count: Int) throws -> Cursor {
        guard let bytes = Base64URL.decode(text), let string = String(validating: bytes, as: UTF8.self) else {
            throw APIError.invalid("cursor is not a valid cursor")
        }
        let parts = string.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == count + 1 else { throw APIError.invalid("cursor is not a valid cursor") }
        guard parts[0] == kind else { throw APIError.invalid("cursor belongs to a different listing or sort order") }
        return Cursor(kind: kind, values: Array(parts.dropFirst()))
    }

    public func int(_ index: Int) throws -> Int64 {
        guard let value = Int64(values[index]) else { throw APIError.invalid("cursor is not a valid cursor") }
        return value
    }

    public func double(_ index: Int) throws -> Double {
        guard let bits = UInt64(values[index], radix: 16) else { throw APIError.invalid("cursor is not a valid cursor") }
        return Double(bitPattern: bits)
    }

    public static func encodeDouble(_ value: Double) -> String { String(value.bitPattern, radix: 16) }
}
