/// A value bound to a statement parameter with its type, for callers whose values come typed
/// (the engine-neutral layer): the statement is prepared with these types, so `$1 IS NULL`,
/// `$1 + 1` or a comparison need no casts, and bytes travel in binary format (no escaping).
public enum PostgresParameter: Sendable, Equatable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)
    case bytes([UInt8])

    /// The type the statement is prepared with (`0`: let the server infer it, for NULL).
    var oid: UInt32 {
        switch self {
        case .null: 0
        case .int: 20        // int8
        case .double: 701    // float8
        case .text: 25       // text
        case .bytes: 17      // bytea
        }
    }

    /// One letter per parameter: statements are prepared once per connection and per signature.
    var signature: Character {
        switch self {
        case .null: "n"
        case .int: "i"
        case .double: "d"
        case .text: "t"
        case .bytes: "b"
        }
    }
}
