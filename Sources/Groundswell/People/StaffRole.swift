import HTTPServer
import SQLiteStore

/// Staff roles: admins do everything; moderators moderate and move ideas through statuses.
public enum StaffRole: String, Sendable {
    case admin, moderator
}
