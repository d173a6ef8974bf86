import Foundation

/// This process's threads as Linux sees them (`/proc/self/task/TID/stat`), for tests of thread
/// names and priorities.
public struct ProcessThread: Sendable {
    public let id: Int32
    /// The name the thread gave itself (`comm`: 15 bytes at most).
    public let name: String
    /// Its nice value and scheduling policy (0 `SCHED_OTHER`, 5 `SCHED_IDLE`).
    public let nice: Int
    public let policy: Int

    /// Every thread of the process now; threads that end while they are read are left out.
    public static func all() -> [ProcessThread] {
        let ids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return ids.compactMap { tid in
            // Fields 19 and 41 of stat, counted after the parenthesised name, which may hold spaces.
            guard let id = Int32(tid),
                  let stat = try? String(contentsOfFile: "/proc/self/task/\(tid)/stat", encoding: .utf8),
                  let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 38 else { return nil }
            return ProcessThread(id: id, name: String(stat[stat.index(after: open)..<close]),
                                 nice: Int(fields[16]) ?? -99, policy: Int(fields[38]) ?? -1)
        }
    }
}
