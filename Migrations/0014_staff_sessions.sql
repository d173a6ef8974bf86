-- The staff console (issue 17): staff sign in once with their token, exchanged for a session
-- cookie (12 hours). Only the cookie's SHA-256 is stored, with the CSRF token bound to it.
CREATE TABLE staff_sessions (
    id INTEGER PRIMARY KEY,
    staff_id INTEGER NOT NULL REFERENCES staff(id),
    token_hash BLOB NOT NULL UNIQUE,
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX staff_sessions_staff ON staff_sessions (staff_id);
