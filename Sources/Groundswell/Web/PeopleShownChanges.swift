import SQLiteStore

/// Whether a batch changed anything about customers that a kept idea page may show: their name
/// (an author's, a commenter's), or a customer gone. New customers are on no page yet, and the
/// writes that mail and sign-in make to `users` (an unsubscribe token, a digest's time, a token
/// hash, preferences) change nothing shown: with mail on, those came after many votes and each
/// retired every kept idea page.
/// `@unchecked Sendable`: used only on the writer thread (its preupdate hook and row hooks).
final class PeopleShownChanges: RowImageRecorder, @unchecked Sendable {
    static let columns = ["name"]
    private(set) var shown = false

    func changed(_ rowid: Int64, _ row: PreupdateRow?) {
        guard let row else { shown = true; return }
        if !row.isInsert && !row.isUnchanged(0) { shown = true }
    }

    func discard() { shown = false }
}
