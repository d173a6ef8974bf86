import CLinux
import Foundation
import JSON
import Logging
import Outbound
import SQLiteStore
import Storage
import Synchronization

/// Sends what the outbox holds: webhook deliveries, immediate emails and daily digests. Its
/// own threads (never an event loop, never the writer) each take one due job at a time, so a
/// slow receiver holds one thread. Jobs are found by scanning the outbox's partial indexes
/// once a second, or at once when a commit wrote outbox rows (`wake`). Each attempt re-reads
/// its row first and records its result through the writer; a crash between sending and
/// recording sends the message again after the restart, with the same id (at least once).
/// `@unchecked Sendable`: the queue, the set in flight and the flags are guarded by
/// `condition` (a condition variable, which `Mutex` does not offer).
final class DeliveryWorker: @unchecked Sendable {
    enum Job: Hashable {
        case webhook(Int64)
        case email(Int64)
        case digest(Int64)
    }

    let settings: DeliverySettings
    let metrics = DeliveryMetrics()
    private let database: SQLDatabase
    private let clock: Clock
    private let logger: Logger
    private let webhook: WebhookPost
    /// The public base URL for links; set again once the server knows its port.
    private let publicURL: Mutex<String>

    private let condition = NSCondition()
    private var queue: [Job] = []
    private var inFlight: Set<Job> = []
    private var woken = false
    private var scanning = false
    private var stopped = false
    private var nextScan = Date.distantPast
    /// Customers whose digest failed, and when to try it again.
    private var digestRetry: [Int64: Date] = [:]
    private var threads: [Thread] = []
    private let finished = DispatchSemaphore(value: 0)

    init(settings: DeliverySettings, database: SQLDatabase, clock: Clock, logger: Logger) {
        self.settings = settings
        self.database = database
        self.clock = clock
        self.logger = logger
        var post = WebhookPost(policy: settings.destinationPolicy)
        post.totalTimeout = settings.webhookTimeout
        self.webhook = post
        self.publicURL = Mutex("")
        setPublicURL(settings.publicURL)
    }

    /// Sets the base URL of links in email (the server's own address unless `--public-url`).
    func setPublicURL(_ url: String) {
        var url = url
        while url.hasSuffix("/") { url.removeLast() }
        publicURL.withLock { $0 = url }
    }

    private var composer: EmailComposer { EmailComposer(publicURL: currentPublicURL) }

    /// The site's public base URL now.
    var currentPublicURL: String { publicURL.withLock { $0 } }

    func start() {
        for index in 0..<max(1, settings.threads) {
            let thread = Thread { [self] in
                clinux_name_thread("gs-delivery-\(index)")
                run()
                finished.signal()
            }
            threads.append(thread)
            thread.start()
        }
    }

    /// Stops after the attempts under way (each bounded by its timeout).
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
        for _ in threads { finished.wait() }
        threads = []
    }

    /// A commit wrote outbox rows: scan now rather than at the next tick.
    func wake() {
        condition.lock()
        woken = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while let job = next() {
            perform(job)
            condition.lock()
            inFlight.remove(job)
            condition.unlock()
        }
    }

    /// The next job to work on, scanning the outbox when the queue is empty; nil when stopped.
    private func next() -> Job? {
        condition.lock()
        defer { condition.unlock() }
        while !stopped {
            if let index = queue.firstIndex(where: { !inFlight.contains($0) }) {
                let job = queue.remove(at: index)
                inFlight.insert(job)
                return job
            }
            if !scanning && (woken || Date() >= nextScan) {
                scanning = true
                woken = false
                condition.unlock()
                let found = scan()
                condition.lock()
                scanning = false
                nextScan = Date(timeIntervalSinceNow: 1)
                let now = Date()
                digestRetry = digestRetry.filter { $0.value > now }
                for job in found where !inFlight.contains(job) && !queue.contains(job) {
                    if case .digest(let userID) = job, digestRetry[userID] != nil { continue }
                    queue.append(job)
                }
                condition.broadcast()
                continue
            }
            _ = condition.wait(until: scanning ? Date(timeIntervalSinceNow: 0.05) : nextScan)
        }
        return nil
    }

    /// Due jobs in the outbox now.
    private func scan() -> [Job] {
        // Of several nodes on PostgreSQL, only the leader sends, so nothing goes out twice (a
        // send cut off when a leader dies is made again by the next: at least once, with the
        // webhook's stable event id to tell).
        guard database.isLeader else { return [] }
        let now = clock.nowMillis()
        do {
            let mail = settings.mailEnabled
            let (hooks, emails, digests, stale) = try database.read { db in
                try db.transaction(.deferred) {
                    (try WebhookStore.due(db, now: now, limit: 64),
                     mail ? try EmailStore.due(db, now: now, limit: 64) : [],
                     mail ? try EmailStore.dueDigests(db, now: now, interval: settings.digestIntervalMillis, limit: 16) : [],
                     mail ? false : try EmailStore.anyPending(db))
                }
            }
            if stale {
                let dropped = try database.writer.sync { db in try EmailStore.skipAll(db) }
                logger.debug("delivery: email is off (no --smtp-url); \(dropped) email(s) not sent")
            }
            return hooks.map(Job.webhook) + emails.map(Job.email) + digests.map(Job.digest)
        } catch {
            logger.error("delivery: scanning the outbox failed: \(error)")
            return []
        }
    }

    private func perform(_ job: Job) {
        do {
            switch job {
            case .webhook(let id): try deliverWebhook(id)
            case .email(let id): try deliverEmail(id)
            case .digest(let userID): try deliverDigest(userID)
            }
        } catch {
            logger.error("delivery: \(job) failed to record: \(error)")
        }
    }

    // MARK: webhooks

    private func deliverWebhook(_ id: Int64) throws {
        let now = clock.nowMillis()
        guard let job = try database.read({ db in try WebhookStore.job(db, deliveryID: id, now: now) }), job.due else { return }
        guard job.usable else {
            try database.writer.sync { db in try WebhookStore.abandon(db, deliveryID: id, reason: "webhook disabled or deleted", now: now) }
            return
        }
        let headers = WebhookSignature.headers(secret: job.secret, id: job.eventID, timestamp: now / 1000, body: job.payload)
        let outcome = webhook.send(url: job.url, headers: headers, body: job.payload)
        let finished = clock.nowMillis()
        let schedule = settings.webhookSchedule
        let disabled = try database.writer.sync { db in
            try WebhookStore.recordAttempt(db, job: job, status: outcome.status, latencyMillis: outcome.latencyMillis,
                                           error: outcome.succeeded ? nil : (outcome.error ?? "failed"),
                                           schedule: schedule, jitter: Double.random(in: 0..<1), now: finished)
        }
        if outcome.succeeded {
            metrics.attempt(.webhook, .succeeded, lagSeconds: Double(finished - job.createdAt) / 1000)
        } else {
            let last = job.attempts + 1 >= schedule.attempts
            metrics.attempt(.webhook, last ? .failed : .retrying, lagSeconds: nil)
            logger.notice("delivery: webhook \(job.webhookID) delivery \(id) attempt \(job.attempts + 1) failed: \(outcome.error ?? "")")
        }
        if disabled { logger.warning("delivery: webhook \(job.webhookID) disabled after repeated failures") }
    }

    // MARK: email

    private func unsubscribeURL(token: String, kind: NotificationStore.Kind?) -> String {
        "\(publicURL.withLock { $0 })/unsubscribe/\(token)" + (kind.map { "?kind=\($0.rawValue)" } ?? "")
    }

    private var mailDomain: String {
        settings.mailFrom.split(separator: "@").last.map(String.init) ?? "localhost"
    }

    private func token(for recipient: EmailStore.Recipient) throws -> String {
        if let token = recipient.unsubscribeToken { return token }
        return try database.writer.sync { db in try EmailStore.unsubscribeToken(db, userID: recipient.userID) }
    }

    private func message(to recipient: EmailStore.Recipient, email: EmailComposer.Email, id: String, unsubscribe: String) -> MailMessage {
        var message = MailMessage(from: .init(name: "Groundswell", address: settings.mailFrom),
                                  to: .init(name: recipient.name, address: recipient.email),
                                  subject: email.subject, text: email.text, html: email.html, messageID: id)
        message.headers = [
            ("List-Unsubscribe", "<\(unsubscribe)>"),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
            ("X-Groundswell-Message-Id", id),
        ]
        return message
    }

    private func deliverEmail(_ id: Int64) throws {
        guard let smtp = settings.smtp else { return }
        let now = clock.nowMillis()
        guard let job = try database.read({ db in try EmailStore.job(db, notificationID: id, now: now) }) else { return }
        guard job.recipient.mayContact, MailMessage.Mailbox(name: "", address: job.recipient.email).isSafe else {
            try database.writer.sync { db in try EmailStore.markSkipped(db, ids: [id]) }
            return
        }
        let token = try token(for: job.recipient)
        let email = composer.single(job.item, language: job.recipient.language, recipientName: job.recipient.name,
                                    unsubscribeURL: unsubscribeURL(token: token, kind: job.item.kind))
        let message = message(to: job.recipient, email: email, id: "n\(id).\(job.createdAt)@\(mailDomain)",
                              unsubscribe: unsubscribeURL(token: token, kind: job.item.kind))
        do {
            try smtp.send(from: settings.mailFrom, to: job.recipient.email, message: message.rendered())
            let sent = clock.nowMillis()
            try database.writer.sync { db in try EmailStore.markSent(db, ids: [id], now: sent) }
            metrics.attempt(.email, .succeeded, lagSeconds: Double(sent - job.createdAt) / 1000)
        } catch {
            let attempts = job.attempts + 1
            let next = settings.emailSchedule.nextAttempt(after: attempts, at: clock.nowMillis(), unit: Double.random(in: 0..<1))
            try database.writer.sync { db in try EmailStore.markFailed(db, id: id, attempts: attempts, next: next) }
            metrics.attempt(.email, next == nil ? .failed : .retrying, lagSeconds: nil)
            logger.notice("delivery: email for notification \(id) attempt \(attempts) failed: \(error)")
        }
    }

    private func deliverDigest(_ userID: Int64) throws {
        guard let smtp = settings.smtp else { return }
        let (recipient, items) = try database.read { db in
            try db.transaction(.deferred) { (try EmailStore.recipient(db, userID: userID), try EmailStore.digestItems(db, userID: userID)) }
        }
        guard let recipient, let first = items.first, let last = items.last else { return }
        let ids = items.map(\.id)
        guard recipient.mayContact, MailMessage.Mailbox(name: "", address: recipient.email).isSafe else {
            try database.writer.sync { db in try EmailStore.markSkipped(db, ids: ids) }
            return
        }
        let token = try token(for: recipient)
        let unsubscribe = unsubscribeURL(token: token, kind: nil)
        let email = composer.digest(items.map(\.item), language: recipient.language, recipientName: recipient.name,
                                    unsubscribeURL: unsubscribe)
        let message = message(to: recipient, email: email, id: "d\(userID).\(first.id)-\(last.id)@\(mailDomain)", unsubscribe: unsubscribe)
        do {
            try smtp.send(from: settings.mailFrom, to: recipient.email, message: message.rendered())
            let sent = clock.nowMillis()
            try database.writer.sync { db in
                try EmailStore.markSent(db, ids: ids, now: sent)
                try EmailStore.digestSent(db, userID: userID, now: sent)
            }
            metrics.attempt(.email, .succeeded, lagSeconds: Double(sent - first.createdAt) / 1000)
        } catch {
            // A digest is tried again at the next scan after a minute: its items stay `digest`.
            metrics.attempt(.email, .retrying, lagSeconds: nil)
            logger.notice("delivery: digest for customer \(userID) failed: \(error)")
            condition.lock()
            digestRetry[userID] = Date(timeIntervalSinceNow: 60)
            condition.unlock()
        }
    }
}
