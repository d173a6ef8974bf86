import HTTPServer
import Logging
import SQLiteStore

/// What every handler needs: the database, the clock and the logger. Reads run on the
/// calling event-loop thread with a pooled reader; writes go to the group-commit writer
/// and answer through a promise once committed.
public final class AppContext: @unchecked Sendable {
    public let database: Database
    public let clock: Clock
    public let logger: Logger
    /// Ranked search results; invalidate when an idea's text, status or visibility changes.
    let searchCache = SearchCache()

    init(database: Database, clock: Clock, logger: Logger) {
        self.database = database
        self.clock = clock
        self.logger = logger
    }

    /// Runs `body` in one read transaction: a consistent snapshot, and the WAL read lock
    /// taken once instead of once per statement (which contends between reader threads).
    public func read<T>(_ body: (Connection) throws -> T) throws -> T {
        try database.read { db in try db.transaction(.deferred) { try body(db) } }
    }

    /// Runs `work` in the writer's next batch; the reply is sent only after the batch commits.
    /// An error thrown by `work` rolls back only `work`'s own changes.
    public func write(_ work: @escaping (Connection) throws -> Response) -> Reply {
        let promise = ResponsePromise()
        database.writer.submit(work) { [logger] result in
            switch result {
            case .success(let response):
                promise.succeed(response)
            case .failure(let error as HTTPError):
                promise.succeed(error.response)
            case .failure(let error):
                logger.error("write failed: \(error)")
                promise.succeed(APIError.storageFailure.response)
            }
        }
        return .promise(promise)
    }

    /// The integer id in path parameter `name`; anything else is a 404 for `what`.
    public func pathID(_ request: Request, _ name: String = "id", what: String) throws -> Int64 {
        guard let text = request.parameters[name], let id = Int64(text), id > 0,
              text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            throw APIError.notFound(what)
        }
        return id
    }
}

extension Response {
    /// A JSON response from a writer.
    static func json(_ status: HTTPStatus, _ writer: JSONWriter) -> Response {
        Response(status: status, body: writer.bytes)
    }
}
