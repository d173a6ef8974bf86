import Storage

/// Rounds' names as kept idea pages show them (an idea in a round names it). Every vote in a round
/// also counts in its `rounds` row, which must not retire every kept idea page; a changed name
/// must. The writer asks after each commit that changed rounds whether a name changed.
/// `@unchecked Sendable`: used only on the writer thread (its row hooks), after `init`.
final class RoundNames: @unchecked Sendable {
    private var names: [Int64: String]

    init(_ db: SQLConnection) throws {
        names = try RoundStore.names(db)
    }

    /// Whether any of the rounds `ids` (changed by the commit just made) has a name other than
    /// the one noted for it, is new or is gone; notes the names read. True if they cannot be read.
    func changed(_ db: SQLConnection, ids: [Int64]) -> Bool {
        guard let current = try? RoundStore.names(db, ids: ids) else { return true }
        var changed = false
        for id in ids where current[id] != names[id] {
            changed = true
            names[id] = current[id]
        }
        return changed
    }
}
