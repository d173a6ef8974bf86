/// What `--db` names: a SQLite file (the default) or, written as a URL, a PostgreSQL database.
public enum DatabaseLocation {
    /// The URL when `value` names PostgreSQL (`postgres://` or `postgresql://`), else nil.
    public static func postgresURL(_ value: String) -> String? {
        let lowered = value.lowercased()
        return lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://") ? value : nil
    }

    /// `value` fit for a log line or an error message: a URL's password replaced by `***`.
    public static func redacted(_ value: String) -> String {
        guard postgresURL(value) != nil, let scheme = value.range(of: "://"),
              let at = value[scheme.upperBound...].lastIndex(of: "@") else { return value }
        let credentials = value[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return value }
        return String(value[..<colon]) + ":***" + String(value[at...])
    }
}
