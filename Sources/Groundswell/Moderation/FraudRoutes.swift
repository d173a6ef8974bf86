import JSON
import HTTPServer
import SQLiteStore

/// Vote-farm patterns with their evidence, and voiding the votes of the accounts staff
/// judge fake. Only keyed hashes of addresses are ever compared or shown.
struct FraudRoutes {
    let context: AppContext
    let auth: Authenticator

    /// Window for "at the same time", in milliseconds.
    static let window: Int64 = 10 * 60_000

    func register(on router: Router) {
        router.get("/admin/fraud") { request in try report(request) }
        router.post("/admin/fraud/void") { request in try void(request) }
    }

    func report(_ request: Request) throws -> Reply {
        _ = try auth.staff(request, role: .moderator)
        var roundID: Int64?
        if let raw = request.queryItems["round_id"], !raw.isEmpty {
            guard let id = Int64(raw), id > 0 else { throw APIError.invalid("round_id must be a positive integer") }
            roundID = id
        }
        // The report groups every vote: on the analytics thread (69 s at 20,000,000 votes, which on
        // an event loop stalled every connection it serves; docs/performance.md, session 30).
        return context.staffReads.run("fraud:\(roundID ?? 0)", context: "the fraud report") { [context, roundID] in
            .json(.ok, try context.read { db in try FraudStore.report(db, roundID: roundID) })
        }
    }

    /// One finding: its pattern, a sentence, the evidence `evidence` writes, and the accounts involved.
    static func writeFinding(_ pattern: String, summary: String, accounts: String, into json: inout JSONWriter,
                             evidence: (inout JSONWriter) -> Void) {
        json.beginObject()
        json.key("pattern"); json.string(pattern)
        json.key("summary"); json.string(summary)
        json.key("evidence")
        json.beginObject()
        evidence(&json)
        json.endObject()
        writeAccounts(accounts, into: &json)
        json.endObject()
    }

    static func writeAccounts(_ list: String, into json: inout JSONWriter) {
        json.key("accounts")
        json.beginArray()
        for id in Set(list.split(separator: ",").compactMap { Int64($0) }).sorted() { json.int(id) }
        json.endArray()
    }

    func void(_ request: Request) throws -> Reply {
        let staff = try auth.staff(request, role: .admin)
        let body = try RequestBody(request)
        guard case .array(let items)? = body.value["user_ids"], !items.isEmpty, items.count <= 10_000 else {
            throw APIError.invalid("user_ids must be a non-empty array of account ids")
        }
        let ids = try items.map { item -> Int64 in
            guard case .number(let text) = item, let id = Int64(text), id > 0 else {
                throw APIError.invalid("user_ids must hold positive integers")
            }
            return id
        }
        let reason = try body.requiredString("reason", length: 1...500)
        let now = context.clock.nowMillis()
        return context.write(request) { db in
            var total = 0
            for id in Set(ids).sorted() {
                let voided = try VoteVoiding.void(db, userID: id, reason: reason, now: now)
                if voided > 0 {
                    try Audit.record(db, actor: staff, action: "votes.void", target: "user:\(id)", before: nil,
                                     after: "\(voided) votes voided: \(reason)", at: now)
                }
                total += voided
            }
            var json = JSONWriter()
            json.beginObject()
            json.key("accounts"); json.int(Set(ids).count)
            json.key("voided_votes"); json.int(total)
            json.endObject()
            return .json(.ok, json)
        }
    }
}
