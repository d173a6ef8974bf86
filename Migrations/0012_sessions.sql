-- Accounts for people (issue 15, first part): a password (Argon2id, PHC string with its
-- parameters) and browser sessions. A session is a random id in a cookie; only its SHA-256 is
-- stored, with a CSRF token bound to it, its expiry and when it was last seen.
ALTER TABLE users ADD COLUMN password_hash TEXT;

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    token_hash BLOB NOT NULL UNIQUE,
    csrf_token TEXT NOT NULL,
    user_agent TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id, id);
