-- Trust: personal data controls, idempotent retries, client-address evidence for fraud review.

ALTER TABLE users ADD COLUMN contact_opt_in INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN deleted_at INTEGER;

-- A POST with an Idempotency-Key answers its retries with the first response (24 hours).
CREATE TABLE idempotency_keys (
    principal TEXT NOT NULL,          -- 'user:12', 'staff:3' or 'addr:<keyed hash>' for anonymous calls
    key TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    body_hash BLOB NOT NULL,
    status INTEGER NOT NULL,
    content_type TEXT,
    headers TEXT NOT NULL DEFAULT '',
    body BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (principal, key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);

-- Where votes and sign-ups came from, for fraud review. Addresses are stored only as keyed
-- hashes (HMAC-SHA-256 with a per-database secret) and set to NULL after the retention period.
ALTER TABLE votes ADD COLUMN addr_hash TEXT;
ALTER TABLE users ADD COLUMN signup_addr_hash TEXT;

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
