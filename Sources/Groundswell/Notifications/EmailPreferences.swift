import JSON
import SQLiteStore
import Storage

/// How often a customer hears by email about each kind of notification: immediately, in a
/// daily digest, or never. Email goes only to customers who opted in to contact
/// (`contact_opt_in`), never to erased accounts; in-app notifications are unaffected.
enum EmailPreferences {
    enum Mode: String, CaseIterable, Sendable {
        case immediately, daily, never
    }

    /// Without a choice: the company's answers and results at once, conversation daily.
    static func defaultMode(_ kind: NotificationStore.Kind) -> Mode {
        kind == .comment ? .daily : .immediately
    }

    /// The `notifications.email` value for the recipient row `u` and the kind in parameter
    /// `kind`, with `defaultMode` for customers who made no choice.
    static func stateSQL(kind: String, defaultMode: String) -> String {
        """
        CASE WHEN u.contact_opt_in = 1 AND u.email <> '' AND u.deleted_at IS NULL THEN
            CASE COALESCE((SELECT p.mode FROM email_preferences p WHERE p.user_id = u.id AND p.kind = \(kind)), \(defaultMode))
            WHEN 'immediately' THEN 'pending' WHEN 'daily' THEN 'digest' END END
        """
    }

    /// The customer's choices, every kind present (`email_preferences` in the profile).
    static func write(_ db: SQLConnection, userID: Int64, into json: inout JSONWriter) throws {
        var chosen: [String: String] = [:]
        _ = try db.query("SELECT kind, mode FROM email_preferences WHERE user_id = ?", [userID]) { chosen[$0.string(0)] = $0.string(1) }
        json.beginObject()
        for kind in NotificationStore.Kind.allCases {
            json.key(dynamic: kind.rawValue); json.string(chosen[kind.rawValue] ?? defaultMode(kind).rawValue)
        }
        json.endObject()
    }

    /// Stores choices; waiting emails of a kind set to `never` are dropped, and those moved
    /// between `immediately` and `daily` follow.
    static func set(_ db: SQLConnection, userID: Int64, modes: [(NotificationStore.Kind, Mode)]) throws {
        for (kind, mode) in modes {
            try db.run("""
                INSERT INTO email_preferences (user_id, kind, mode) VALUES (?, ?, ?)
                ON CONFLICT (user_id, kind) DO UPDATE SET mode = excluded.mode
                """, [userID, kind.rawValue, mode.rawValue])
            let state: String? = mode == .immediately ? "pending" : mode == .daily ? "digest" : nil
            try db.run("""
                UPDATE notifications SET email = ? WHERE user_id = ? AND kind = ? AND email IN ('pending', 'digest')
                """, [state ?? "skipped", userID, kind.rawValue])
        }
    }

    /// Parses `{"comment": "never", …}` from a request; throws a 400 naming the field.
    static func parse(_ value: JSONValue) throws -> [(NotificationStore.Kind, Mode)] {
        guard case .object(let members) = value, !members.isEmpty else {
            throw APIError.invalid("email_preferences must be an object such as {\"comment\": \"daily\"}")
        }
        return try members.map { name, raw in
            guard let kind = NotificationStore.Kind(rawValue: name) else {
                throw APIError.invalid("email_preferences: unknown kind \(name.prefix(40)); kinds: \(NotificationStore.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard case .string(let text) = raw, let mode = Mode(rawValue: text) else {
                throw APIError.invalid("email_preferences.\(name) must be immediately, daily or never")
            }
            return (kind, mode)
        }
    }
}
