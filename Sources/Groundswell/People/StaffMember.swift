import HTTPServer
import SQLiteStore

/// A signed-in staff member.
public struct StaffMember: Sendable {
    public let id: Int64
    public let name: String
    public let role: StaffRole
}
