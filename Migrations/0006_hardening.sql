-- Hardening (issue 12).
-- Replay records used to keep whole responses, tokens among them, and raw client addresses
-- as callers. Records now name callers by account id or keyed address hash and keep no
-- credential: a response that carries one is recorded as "done" without its body. The old
-- records (24 hours' worth at most) are dropped rather than kept in the old form.
DELETE FROM idempotency_keys;
ALTER TABLE idempotency_keys ADD COLUMN secret INTEGER NOT NULL DEFAULT 0;
