/// A value bound to a statement parameter, sent in PostgreSQL's text format (the server parses
/// it as the parameter's type; it is never spliced into SQL).
public protocol PostgresBindable: Sendable {
    /// The text form, or nil for SQL NULL.
    var postgresText: String? { get }
}

extension Int64: PostgresBindable { public var postgresText: String? { String(self) } }
extension Int: PostgresBindable { public var postgresText: String? { String(self) } }
extension String: PostgresBindable { public var postgresText: String? { self } }
extension Bool: PostgresBindable { public var postgresText: String? { self ? "t" : "f" } }
extension Double: PostgresBindable {
    /// Shortest text that reads back as the same double (Swift's description does that).
    public var postgresText: String? { isFinite ? String(self) : (isNaN ? "NaN" : (self > 0 ? "Infinity" : "-Infinity")) }
}
extension Optional: PostgresBindable where Wrapped: PostgresBindable {
    public var postgresText: String? { self?.postgresText }
}

/// SQL NULL, for an untyped nil.
public struct PostgresNull: PostgresBindable {
    public init() {}
    public var postgresText: String? { nil }
}
