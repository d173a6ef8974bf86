-- Core schema: people, staff, ideas, votes, comments, full-text search.
-- Times are integer milliseconds since the Unix epoch (UTC).

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    email_norm TEXT NOT NULL UNIQUE,
    token_hash BLOB NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE staff (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'moderator')),
    token_hash BLOB NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);

CREATE TABLE ideas (
    id INTEGER PRIMARY KEY,
    author_id INTEGER NOT NULL REFERENCES users(id),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    category TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'submitted',
    hidden INTEGER NOT NULL DEFAULT 0,
    vote_count INTEGER NOT NULL DEFAULT 0,
    comment_count INTEGER NOT NULL DEFAULT 0,
    -- log2 of the sum over votes of 2^((voted_at - 2023-11-14T22:13:20Z) / 1 day), kept by triggers: see docs/api.md.
    trend REAL NOT NULL DEFAULT -1e9,
    created_at INTEGER NOT NULL
);
CREATE INDEX ideas_top ON ideas (vote_count DESC, id DESC);
CREATE INDEX ideas_trend ON ideas (trend DESC, id DESC);
CREATE INDEX ideas_author ON ideas (author_id);
CREATE INDEX ideas_status ON ideas (status, id DESC);
CREATE INDEX ideas_category ON ideas (category, id DESC);

-- One row per counted vote. vote_day is 0 for ideas outside rounds (one vote per
-- person per idea); rounds use the day number in the round's timezone.
CREATE TABLE votes (
    id INTEGER PRIMARY KEY,
    idea_id INTEGER NOT NULL REFERENCES ideas(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    vote_day INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    UNIQUE (idea_id, user_id, vote_day)
);

CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    idea_id INTEGER NOT NULL REFERENCES ideas(id),
    author_id INTEGER NOT NULL REFERENCES users(id),
    body TEXT NOT NULL,
    hidden INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE INDEX comments_idea ON comments (idea_id, id);

-- Counts and trending scores follow the rows in the same transaction, so they can never drift.
-- trend = log2 of the sum over votes of 2^((created_at - T0) / 1 day), T0 = 1700000000000 ms;
-- adding a vote is a log-sum-exp step, removing one recomputes from the remaining rows.
CREATE TRIGGER votes_count_insert AFTER INSERT ON votes BEGIN
    UPDATE ideas SET
        vote_count = vote_count + 1,
        trend = CASE
            WHEN trend <= -1e8 THEN (NEW.created_at - 1700000000000) / 86400000.0
            ELSE max(trend, (NEW.created_at - 1700000000000) / 86400000.0)
                 + log2(1 + pow(2, -abs(trend - (NEW.created_at - 1700000000000) / 86400000.0)))
        END
    WHERE id = NEW.idea_id;
END;
CREATE TRIGGER votes_count_delete AFTER DELETE ON votes BEGIN
    UPDATE ideas SET
        vote_count = vote_count - 1,
        trend = COALESCE((
            SELECT (m.mx - 1700000000000) / 86400000.0 + log2(SUM(pow(2, (v.created_at - m.mx) / 86400000.0)))
            FROM votes v, (SELECT MAX(created_at) AS mx FROM votes WHERE idea_id = OLD.idea_id) m
            WHERE v.idea_id = OLD.idea_id), -1e9)
    WHERE id = OLD.idea_id;
END;
CREATE TRIGGER comments_count_insert AFTER INSERT ON comments WHEN NEW.hidden = 0 BEGIN
    UPDATE ideas SET comment_count = comment_count + 1 WHERE id = NEW.idea_id;
END;
CREATE TRIGGER comments_count_delete AFTER DELETE ON comments WHEN OLD.hidden = 0 BEGIN
    UPDATE ideas SET comment_count = comment_count - 1 WHERE id = OLD.idea_id;
END;

-- Full-text index over the title and description of visible ideas only (external content =
-- ideas), so a search never has to look at hidden ones.
CREATE VIRTUAL TABLE ideas_fts USING fts5(
    title, description, content='ideas', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER ideas_fts_insert AFTER INSERT ON ideas WHEN NEW.hidden = 0 BEGIN
    INSERT INTO ideas_fts (rowid, title, description) VALUES (NEW.id, NEW.title, NEW.description);
END;
CREATE TRIGGER ideas_fts_delete AFTER DELETE ON ideas WHEN OLD.hidden = 0 BEGIN
    INSERT INTO ideas_fts (ideas_fts, rowid, title, description) VALUES ('delete', OLD.id, OLD.title, OLD.description);
END;
CREATE TRIGGER ideas_fts_update_old AFTER UPDATE OF title, description, hidden ON ideas WHEN OLD.hidden = 0 BEGIN
    INSERT INTO ideas_fts (ideas_fts, rowid, title, description) VALUES ('delete', OLD.id, OLD.title, OLD.description);
END;
CREATE TRIGGER ideas_fts_update_new AFTER UPDATE OF title, description, hidden ON ideas WHEN NEW.hidden = 0 BEGIN
    INSERT INTO ideas_fts (rowid, title, description) VALUES (NEW.id, NEW.title, NEW.description);
END;
