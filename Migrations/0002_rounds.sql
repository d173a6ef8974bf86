-- Funding rounds (tiers or participatory budget), entries, per-day votes, awards and the
-- frozen tally published when a round closes.

CREATE TABLE rounds (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    submissions_open_at INTEGER NOT NULL,
    submissions_close_at INTEGER NOT NULL,
    voting_opens_at INTEGER NOT NULL,
    voting_closes_at INTEGER NOT NULL,
    max_ideas INTEGER,
    categories TEXT NOT NULL DEFAULT '[]',          -- JSON array of names; empty = any
    votes_per_user_per_day INTEGER NOT NULL DEFAULT 10,
    currency TEXT NOT NULL DEFAULT 'USD',
    mode TEXT NOT NULL CHECK (mode IN ('tiers', 'budget')),
    budget INTEGER,
    timezone TEXT NOT NULL DEFAULT 'UTC',
    entry_selection TEXT NOT NULL DEFAULT 'first_come' CHECK (entry_selection IN ('first_come', 'lottery')),
    lottery_seed_hash TEXT,                          -- published from the start (commitment)
    lottery_seed TEXT,                               -- revealed when the draw is made
    lottery_drawn_at INTEGER,
    carry_over INTEGER NOT NULL DEFAULT 0,
    next_round_id INTEGER REFERENCES rounds(id),
    closed_at INTEGER,
    created_at INTEGER NOT NULL
);

CREATE TABLE round_tiers (
    round_id INTEGER NOT NULL REFERENCES rounds(id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (amount > 0),
    winners INTEGER NOT NULL CHECK (winners > 0),
    PRIMARY KEY (round_id, name)
);

-- An idea enters at most one round at a time. entry_state: 'entered' (counts), 'pending'
-- (lottery not drawn yet), 'not_drawn' (lost the lottery). vote_count counts the votes cast
-- in the idea's current context (its round, or outside any round), so a carried-over idea
-- starts again at zero; last_vote_* say when it reached its current count (ties).
ALTER TABLE ideas ADD COLUMN round_id INTEGER REFERENCES rounds(id);
ALTER TABLE ideas ADD COLUMN tier TEXT;
ALTER TABLE ideas ADD COLUMN requested_amount INTEGER;
ALTER TABLE ideas ADD COLUMN entry_state TEXT;
ALTER TABLE ideas ADD COLUMN disqualified_reason TEXT;
ALTER TABLE ideas ADD COLUMN last_vote_at INTEGER;
ALTER TABLE ideas ADD COLUMN last_vote_id INTEGER;
CREATE INDEX ideas_round ON ideas (round_id, tier);

-- Votes remember the round they were cast in (NULL outside rounds); vote_day is the day
-- number in the round's timezone, so UNIQUE(idea_id, user_id, vote_day) means once a day.
ALTER TABLE votes ADD COLUMN round_id INTEGER REFERENCES rounds(id);
-- Per-person lookups (the daily allowance, exports) use this index; per-idea ones use the
-- UNIQUE (idea_id, user_id, vote_day) index. Every index here is paid for by every vote.
CREATE INDEX votes_round_day ON votes (user_id, round_id, vote_day);

-- Votes removed by staff (bans, fraud) are kept here so tallies can publish them.
CREATE TABLE voided_votes (
    id INTEGER PRIMARY KEY,
    vote_id INTEGER NOT NULL,
    idea_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    round_id INTEGER,
    vote_day INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    voided_at INTEGER NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX voided_votes_idea ON voided_votes (idea_id, round_id);

CREATE TABLE awards (
    id INTEGER PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES rounds(id),
    tier TEXT,
    idea_id INTEGER NOT NULL REFERENCES ideas(id),
    amount INTEGER NOT NULL,
    rank INTEGER NOT NULL,
    awarded_at INTEGER NOT NULL,
    UNIQUE (round_id, idea_id)
);
CREATE INDEX awards_idea ON awards (idea_id);

-- The final ranking, frozen in the closing transaction (GET /rounds/{id}/tally).
CREATE TABLE round_results (
    round_id INTEGER NOT NULL REFERENCES rounds(id),
    idea_id INTEGER NOT NULL REFERENCES ideas(id),
    tier TEXT,
    requested_amount INTEGER,
    votes INTEGER NOT NULL,
    voided INTEGER NOT NULL,
    reached_at INTEGER,
    last_vote_id INTEGER,
    rank INTEGER,
    eligible INTEGER NOT NULL,
    won INTEGER NOT NULL,
    PRIMARY KEY (round_id, idea_id)
);

-- Counts, trending and reach times now follow the votes of the idea's current context.
DROP TRIGGER votes_count_insert;
DROP TRIGGER votes_count_delete;
CREATE TRIGGER votes_count_insert AFTER INSERT ON votes BEGIN
    UPDATE ideas SET
        vote_count = vote_count + 1,
        last_vote_at = NEW.created_at,
        last_vote_id = NEW.id,
        trend = CASE
            WHEN trend <= -1e8 THEN (NEW.created_at - 1700000000000) / 86400000.0
            ELSE max(trend, (NEW.created_at - 1700000000000) / 86400000.0)
                 + log2(1 + pow(2, -abs(trend - (NEW.created_at - 1700000000000) / 86400000.0)))
        END
    WHERE id = NEW.idea_id AND round_id IS NEW.round_id;
END;
CREATE TRIGGER votes_count_delete AFTER DELETE ON votes BEGIN
    UPDATE ideas SET
        vote_count = vote_count - 1,
        last_vote_at = (SELECT created_at FROM votes WHERE idea_id = OLD.idea_id AND round_id IS OLD.round_id ORDER BY id DESC LIMIT 1),
        last_vote_id = (SELECT id FROM votes WHERE idea_id = OLD.idea_id AND round_id IS OLD.round_id ORDER BY id DESC LIMIT 1),
        trend = COALESCE((
            SELECT (m.mx - 1700000000000) / 86400000.0 + log2(SUM(pow(2, (v.created_at - m.mx) / 86400000.0)))
            FROM votes v,
                 (SELECT MAX(created_at) AS mx FROM votes WHERE idea_id = OLD.idea_id AND round_id IS OLD.round_id) m
            WHERE v.idea_id = OLD.idea_id AND v.round_id IS OLD.round_id), -1e9)
    WHERE id = OLD.idea_id AND round_id IS OLD.round_id;
END;

-- Votes cast in a round, kept with the round for GET /rounds/{id}.
ALTER TABLE rounds ADD COLUMN vote_count INTEGER NOT NULL DEFAULT 0;
CREATE TRIGGER votes_round_insert AFTER INSERT ON votes WHEN NEW.round_id IS NOT NULL BEGIN
    UPDATE rounds SET vote_count = vote_count + 1 WHERE id = NEW.round_id;
END;
CREATE TRIGGER votes_round_delete AFTER DELETE ON votes WHEN OLD.round_id IS NOT NULL BEGIN
    UPDATE rounds SET vote_count = vote_count - 1 WHERE id = OLD.round_id;
END;

-- Every staff action, written in the same transaction as the change it records.
-- Nothing in the API updates or deletes these rows.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    actor_id INTEGER NOT NULL,
    actor_name TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    before_value TEXT,
    after_value TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX audit_actor ON audit_log (actor_id, id);
CREATE INDEX audit_target ON audit_log (target, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
