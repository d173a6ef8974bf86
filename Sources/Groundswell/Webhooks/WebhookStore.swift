import JSON
import Rules
import SQLiteStore
import Storage

/// Every statement about webhooks and their deliveries.
enum WebhookStore {
    static let columns = "id, url, description, event_types, enabled, disabled_reason, failing_since, created_at, updated_at"

    static func create(_ db: SQLConnection, url: String, description: String, types: [EventType], secret: String, now: Int64) throws -> Int64 {
        try db.run("""
            INSERT INTO webhooks (url, description, event_types, secret, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
            """, [url, description, typesColumn(types), secret, now, now])
        return db.lastInsertRowID
    }

    static func typesColumn(_ types: [EventType]) -> String {
        " " + types.map(\.rawValue).joined(separator: " ") + " "
    }

    /// One webhook as the API shows it (never its secret), or nil.
    static func json(_ db: SQLConnection, id: Int64, secret: String? = nil) throws -> [UInt8]? {
        try db.queryOne("SELECT \(columns) FROM webhooks WHERE id = ? AND deleted_at IS NULL", [id]) { row -> [UInt8] in
            var json = JSONWriter(capacity: 512)
            write(row, db: db, into: &json, secret: secret)
            return json.bytes
        }
    }

    static func list(_ db: SQLConnection) throws -> [UInt8] {
        var json = JSONWriter(capacity: 2048)
        json.beginObject()
        json.key("items")
        json.beginArray()
        _ = try db.query("SELECT \(columns) FROM webhooks WHERE deleted_at IS NULL ORDER BY id", []) { row in
            write(row, db: db, into: &json, secret: nil)
        }
        json.endArray()
        json.endObject()
        return json.bytes
    }

    private static func write(_ row: SQLRow, db: SQLConnection, into json: inout JSONWriter, secret: String?) {
        let id = row.int64(0)
        json.beginObject()
        json.key("id"); json.int(id)
        json.key("url"); json.string(row.string(1))
        json.key("description"); json.string(row.string(2))
        json.key("event_types")
        json.beginArray()
        for type in row.string(3).split(separator: " ") { json.string(String(type)) }
        json.endArray()
        json.key("enabled"); json.bool(row.bool(4))
        json.key("disabled_reason"); json.optionalString(row.isNull(5) ? nil : row.string(5))
        json.key("failing_since"); if let at = row.optionalInt64(6) { json.timestamp(at) } else { json.null() }
        let pending = (try? db.scalarInt("SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = ? AND state = 'pending'", [id])) ?? 0
        json.key("pending_deliveries"); json.int(pending)
        json.key("created_at"); json.timestamp(row.int64(7))
        json.key("updated_at"); json.timestamp(row.int64(8))
        if let secret { json.key("secret"); json.string(secret) }
        json.endObject()
    }

    static func exists(_ db: SQLConnection, id: Int64) throws -> Bool {
        try db.scalarInt("SELECT 1 FROM webhooks WHERE id = ? AND deleted_at IS NULL", [id]) != nil
    }

    static func update(_ db: SQLConnection, id: Int64, url: String?, description: String?, types: [EventType]?,
                       enabled: Bool?, secret: String?, now: Int64) throws {
        guard try exists(db, id: id) else { throw APIError.notFound("webhook") }
        if let url { try db.run("UPDATE webhooks SET url = ? WHERE id = ?", [url, id]) }
        if let description { try db.run("UPDATE webhooks SET description = ? WHERE id = ?", [description, id]) }
        if let types { try db.run("UPDATE webhooks SET event_types = ? WHERE id = ?", [typesColumn(types), id]) }
        if let secret { try db.run("UPDATE webhooks SET secret = ? WHERE id = ?", [secret, id]) }
        if let enabled {
            // Turning a webhook back on starts a fresh record of failures.
            try db.run("""
                UPDATE webhooks SET enabled = ?1, disabled_reason = CASE WHEN ?1 THEN NULL ELSE 'disabled by an admin' END,
                       failing_since = CASE WHEN ?1 THEN NULL ELSE failing_since END
                WHERE id = ?2 AND enabled != ?1
                """, [enabled, id])
        }
        try db.run("UPDATE webhooks SET updated_at = ? WHERE id = ?", [now, id])
    }

    /// Deletes the webhook; its pending deliveries are dropped, its log kept no longer.
    static func delete(_ db: SQLConnection, id: Int64, now: Int64) throws {
        guard try exists(db, id: id) else { throw APIError.notFound("webhook") }
        try db.run("DELETE FROM webhook_deliveries WHERE webhook_id = ?", [id])
        try db.run("UPDATE webhooks SET deleted_at = ?, enabled = 0, secret = '', url = '' WHERE id = ?", [now, id])
    }

    // MARK: deliveries

    static let deliveryColumns = """
        d.id, e.public_id, e.type, d.state, d.attempts, d.next_attempt_at, d.last_attempt_at, d.response_status,
        d.latency_ms, d.last_error, d.created_at
        """

    static func writeDelivery(_ row: SQLRow, into json: inout JSONWriter) {
        json.beginObject()
        json.key("id"); json.int(row.int64(0))
        json.key("event_id"); json.string(row.string(1))
        json.key("event_type"); json.string(row.string(2))
        json.key("state"); json.string(row.string(3))
        json.key("attempts"); json.int(row.int64(4))
        json.key("next_attempt_at"); if let at = row.optionalInt64(5) { json.timestamp(at) } else { json.null() }
        json.key("last_attempt_at"); if let at = row.optionalInt64(6) { json.timestamp(at) } else { json.null() }
        json.key("response_status"); if let status = row.optionalInt64(7) { json.int(status) } else { json.null() }
        json.key("latency_ms"); if let ms = row.optionalInt64(8) { json.int(ms) } else { json.null() }
        json.key("last_error"); json.optionalString(row.isNull(9) ? nil : row.string(9))
        json.key("created_at"); json.timestamp(row.int64(10))
        json.endObject()
    }

    /// A page of a webhook's deliveries, newest first.
    static func deliveries(_ db: SQLConnection, webhookID: Int64, before: Int64, state: String?, limit: Int) throws -> [UInt8] {
        guard try exists(db, id: webhookID) else { throw APIError.notFound("webhook") }
        return try PageWriter.write(db, sql: """
            SELECT \(deliveryColumns) FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
            WHERE d.webhook_id = ? AND d.id < ? AND (CAST(? AS TEXT) IS NULL OR d.state = ?) ORDER BY d.id DESC LIMIT ?
            """, values: [webhookID, before, state, state], limit: limit,
            cursor: { Cursor(kind: "deliveries", values: [String($0.int64(0))]) },
            item: { writeDelivery($0, into: &$1) })
    }

    static func delivery(_ db: SQLConnection, webhookID: Int64, id: Int64) throws -> [UInt8]? {
        try db.queryOne("""
            SELECT \(deliveryColumns) FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
            WHERE d.webhook_id = ? AND d.id = ?
            """, [webhookID, id]) { row -> [UInt8] in
            var json = JSONWriter(capacity: 512)
            writeDelivery(row, into: &json)
            return json.bytes
        }
    }

    /// Manual redelivery: the delivery is due now with a fresh retry schedule.
    static func redeliver(_ db: SQLConnection, webhookID: Int64, id: Int64, now: Int64) throws {
        guard let enabled = try db.queryOne("SELECT enabled FROM webhooks WHERE id = ? AND deleted_at IS NULL", [webhookID],
                                            { $0.bool(0) }) else { throw APIError.notFound("webhook") }
        guard enabled else { throw APIError.conflict(.webhookDisabled, "the webhook is disabled; enable it (PATCH enabled: true) before redelivering") }
        try db.run("""
            UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_attempt_at = ?, last_error = NULL
            WHERE webhook_id = ? AND id = ?
            """, [now, webhookID, id])
        guard db.changes > 0 else { throw APIError.notFound("delivery") }
    }

    // MARK: the worker's side

    /// Deliveries due now, oldest first.
    static func due(_ db: SQLConnection, now: Int64, limit: Int) throws -> [Int64] {
        try db.query("""
            SELECT id FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?
            """, [now, limit]) { $0.int64(0) }
    }

    /// How many deliveries wait (for /metrics).
    static func pendingCount(_ db: SQLConnection) throws -> Int64 {
        try db.scalarInt("SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'pending'") ?? 0
    }

    /// What one attempt needs to know.
    struct Job: Sendable {
        let deliveryID: Int64
        let webhookID: Int64
        let url: String
        let secret: String
        let usable: Bool
        let eventID: String
        let payload: [UInt8]
        let attempts: Int
        let state: String
        let due: Bool
        let createdAt: Int64
    }

    /// The delivery, read fresh before each attempt (another thread may have settled it).
    static func job(_ db: SQLConnection, deliveryID: Int64, now: Int64) throws -> Job? {
        try db.queryOne("""
            SELECT d.id, w.id, w.url, w.secret, w.enabled = 1 AND w.deleted_at IS NULL, e.public_id, e.payload, d.attempts, d.state,
                   d.state = 'pending' AND d.next_attempt_at <= ?, e.created_at
            FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id JOIN events e ON e.id = d.event_id
            WHERE d.id = ?
            """, [now, deliveryID]) { row in
            Job(deliveryID: row.int64(0), webhookID: row.int64(1), url: row.string(2), secret: row.string(3), usable: row.bool(4),
                eventID: row.string(5), payload: Array(row.string(6).utf8), attempts: Int(row.int64(7)), state: row.string(8),
                due: row.bool(9), createdAt: row.int64(10))
        }
    }

    /// The result of one attempt. A failure schedules the next try, or fails the delivery when
    /// the schedule is used up; a webhook whose deliveries have failed for the whole schedule
    /// with no success since is disabled and the staff are alerted. Returns true if it was disabled.
    @discardableResult
    static func recordAttempt(_ db: SQLConnection, job: Job, status: Int?, latencyMillis: Int, error: String?,
                              schedule: RetrySchedule, jitter: Double, now: Int64) throws -> Bool {
        let attempts = job.attempts + 1
        if error == nil {
            try db.run("""
                UPDATE webhook_deliveries SET state = 'succeeded', attempts = ?, next_attempt_at = NULL, last_attempt_at = ?,
                       response_status = ?, latency_ms = ?, last_error = NULL WHERE id = ? AND state = 'pending'
                """, [attempts, now, status, latencyMillis, job.deliveryID])
            try db.run("UPDATE webhooks SET failing_since = NULL WHERE id = ?", [job.webhookID])
            return false
        }
        let next = schedule.nextAttempt(after: attempts, at: now, unit: jitter)
        try db.run("""
            UPDATE webhook_deliveries SET state = ?, attempts = ?, next_attempt_at = ?, last_attempt_at = ?,
                   response_status = ?, latency_ms = ?, last_error = ? WHERE id = ? AND state = 'pending'
            """, [next == nil ? "failed" : "pending", attempts, next, now, status, latencyMillis,
                  String(error!.prefix(500)), job.deliveryID])
        try db.run("UPDATE webhooks SET failing_since = COALESCE(failing_since, ?) WHERE id = ?", [now, job.webhookID])
        guard next == nil else { return false }
        // Used up: disable when the endpoint has not answered well since before this delivery began.
        guard let failingSince = try db.scalarInt("SELECT failing_since FROM webhooks WHERE id = ? AND enabled = 1", [job.webhookID]),
              now - failingSince >= schedule.span * 8 / 10 else { return false }
        let reason = "disabled after failing every delivery attempt since \(Timestamp.string(failingSince)); last error: \(error!.prefix(200))"
        try db.run("UPDATE webhooks SET enabled = 0, disabled_reason = ?, updated_at = ? WHERE id = ?", [reason, now, job.webhookID])
        try db.run("""
            UPDATE webhook_deliveries SET state = 'failed', next_attempt_at = NULL, last_error = 'webhook disabled'
            WHERE webhook_id = ? AND state = 'pending'
            """, [job.webhookID])
        try StaffAlerts.raise(db, kind: "webhook_disabled", message: "Webhook \(job.webhookID) (\(job.url)) was \(reason)",
                              webhookID: job.webhookID, now: now)
        return true
    }

    /// A delivery that can no longer go (its webhook was disabled or deleted).
    static func abandon(_ db: SQLConnection, deliveryID: Int64, reason: String, now: Int64) throws {
        try db.run("""
            UPDATE webhook_deliveries SET state = 'failed', next_attempt_at = NULL, last_error = ? WHERE id = ? AND state = 'pending'
            """, [reason, deliveryID])
    }
}
