-- The outbox (issue 16, second part): email and webhooks leave through rows written in the
-- transaction of the change that caused them, so a crash can neither lose a message nor send
-- one for a change that rolled back. A delivery worker (its own threads) sends them and records
-- each attempt; an (event, recipient) pair keeps one stable id across retries.

-- Customers choose their language (for email) and, per kind, immediately / daily / never.
ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'ko'));
-- Proves a one-click unsubscribe without signing in; made on the first email.
ALTER TABLE users ADD COLUMN unsubscribe_token TEXT;
-- When the last daily digest went out.
ALTER TABLE users ADD COLUMN digest_sent_at INTEGER;

CREATE TABLE email_preferences (
    user_id INTEGER NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('immediately', 'daily', 'never')),
    PRIMARY KEY (user_id, kind)
) WITHOUT ROWID;

-- A notification is also the email outbox row for its recipient: `email` is NULL (no email:
-- mail off, not opted in, or `never`), 'pending' (send now), 'digest' (wait for the daily
-- digest), 'sent' or 'failed' (gave up after the retries).
ALTER TABLE notifications ADD COLUMN email TEXT;
ALTER TABLE notifications ADD COLUMN email_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notifications ADD COLUMN email_next_at INTEGER;
CREATE INDEX notifications_email_due ON notifications (email_next_at) WHERE email = 'pending';
CREATE INDEX notifications_digest ON notifications (created_at, user_id) WHERE email = 'digest';

CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    -- Space-separated with a space at each end (" idea.created comment.created "), so one
    -- LIKE finds the subscribers of a type.
    event_types TEXT NOT NULL,
    -- The signing secret (whsec_…): needed in the clear to sign, shown once to the admin.
    secret TEXT NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1,
    disabled_reason TEXT,
    -- When the current run of failures began (NULL after a success).
    failing_since INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER
);

-- One row per event; `payload` is the exact body every subscriber receives.
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- One row per (event, webhook): the delivery log and the retry schedule.
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    webhook_id INTEGER NOT NULL REFERENCES webhooks(id),
    event_id INTEGER NOT NULL REFERENCES events(id),
    state TEXT NOT NULL CHECK (state IN ('pending', 'succeeded', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    last_attempt_at INTEGER,
    response_status INTEGER,
    latency_ms INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (webhook_id, id);

-- Messages for the staff (a webhook disabled after failing, mail that keeps failing).
CREATE TABLE staff_alerts (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    webhook_id INTEGER,
    created_at INTEGER NOT NULL,
    resolved_at INTEGER
);

-- round.opened is announced once, when voting opens; rounds already open are not announced.
ALTER TABLE rounds ADD COLUMN opened_announced_at INTEGER;
UPDATE rounds SET opened_announced_at = voting_opens_at WHERE voting_opens_at <= CAST(unixepoch() AS INTEGER) * 1000;

-- vote.milestone fires once per idea and milestone (10, 100, 1,000, …): the highest announced.
ALTER TABLE ideas ADD COLUMN vote_milestone INTEGER NOT NULL DEFAULT 0;
UPDATE ideas SET vote_milestone = CASE
    WHEN vote_count >= 1000000000 THEN 1000000000 WHEN vote_count >= 100000000 THEN 100000000
    WHEN vote_count >= 10000000 THEN 10000000 WHEN vote_count >= 1000000 THEN 1000000
    WHEN vote_count >= 100000 THEN 100000 WHEN vote_count >= 10000 THEN 10000
    WHEN vote_count >= 1000 THEN 1000 WHEN vote_count >= 100 THEN 100
    WHEN vote_count >= 10 THEN 10 ELSE 0 END
WHERE vote_count >= 10;

CREATE UNIQUE INDEX users_unsubscribe ON users (unsubscribe_token) WHERE unsubscribe_token IS NOT NULL;
