/// Which database a deployment runs on: the embedded SQLite file (the default, one node) or a
/// PostgreSQL server shared by many nodes (issue 19).
public enum SQLEngine: String, Sendable {
    case sqlite, postgres
}
