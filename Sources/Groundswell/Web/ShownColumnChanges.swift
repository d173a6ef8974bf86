import SQLiteStore

/// Whether a batch changed what a kept idea page shows of a table's rows — a customer's name (an
/// author's, a commenter's), a round's name (an entry's page names its round) — or removed a row.
/// The other writes to those rows change nothing shown, and came far more often than those that
/// do: every vote in a round counts in its `rounds` row, and the unsubscribe token an email makes
/// or a digest's time is written to `users`. Told by the preupdate hook's old and new values.
final class ShownColumnChanges: RowImageRecorder {
    let columns: [String]
    /// Whether a new row counts as a change: a new customer is on no page yet; a new round is
    /// counted as one (a page could name it only once an idea joins it, a change of its own).
    private let newRowsShown: Bool
    private(set) var shown = false

    init(columns: [String], newRowsShown: Bool) {
        self.columns = columns
        self.newRowsShown = newRowsShown
    }

    func changed(_ rowid: Int64, _ row: PreupdateRow?) {
        guard let row else { shown = true; return }
        if row.isInsert ? newRowsShown : !columns.indices.allSatisfy(row.isUnchanged) { shown = true }
    }

    func discard() { shown = false }
}
