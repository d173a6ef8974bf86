import Outbound
import Rules

/// How the outbox leaves the building: SMTP for email (off without `--smtp-url`), the
/// webhook destination policy, the retry schedules and the digest period.
public struct DeliverySettings: Sendable {
    /// The SMTP server (`--smtp-url`); nil turns email off (in-app notifications still work).
    public var smtp: SMTPSender?
    /// The envelope and From address (`--mail-from`).
    public var mailFrom = "groundswell@localhost"
    /// The site's public base URL (`--public-url`), for links and one-click unsubscribe.
    public var publicURL = "http://127.0.0.1:8080"
    /// Webhook destinations on private, loopback or link-local addresses are refused unless
    /// this is on (`--webhooks-allow-private`).
    public var allowPrivateWebhooks = false
    public var webhookSchedule = RetrySchedule.webhooks
    public var emailSchedule = RetrySchedule.email
    /// A digest goes when its oldest item is this old (`--digest-interval`, seconds).
    public var digestIntervalMillis: Int64 = 86_400_000
    /// Sender threads: each holds one delivery at a time, so a slow receiver holds one thread.
    public var threads = 4
    /// Seconds one webhook attempt may take, answer included.
    public var webhookTimeout: Double = 15

    public init() {}

    var destinationPolicy: DestinationPolicy { DestinationPolicy(allowPrivate: allowPrivateWebhooks) }
    var mailEnabled: Bool { smtp != nil }
}
