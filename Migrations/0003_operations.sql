-- Operating the service: bans, merges, status history, flags, managed categories.

ALTER TABLE users ADD COLUMN banned_at INTEGER;
ALTER TABLE ideas ADD COLUMN merged_into INTEGER REFERENCES ideas(id);

-- The public timeline of an idea's status ("ideas in action").
CREATE TABLE idea_status_history (
    id INTEGER PRIMARY KEY,
    idea_id INTEGER NOT NULL REFERENCES ideas(id),
    from_status TEXT,
    to_status TEXT NOT NULL,
    note TEXT,
    staff_id INTEGER,
    staff_name TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX idea_status_history_idea ON idea_status_history (idea_id, id);

-- Reports from signed-in people; one per person per item.
CREATE TABLE flags (
    id INTEGER PRIMARY KEY,
    target_type TEXT NOT NULL CHECK (target_type IN ('idea', 'comment')),
    target_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id),
    reason TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'resolved')),
    resolution TEXT,
    resolved_by INTEGER,
    resolved_at INTEGER,
    created_at INTEGER NOT NULL,
    UNIQUE (target_type, target_id, user_id)
);
CREATE INDEX flags_state ON flags (state, id);

CREATE TABLE categories (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    created_at INTEGER NOT NULL
);

-- Hiding or showing a comment adjusts its idea's comment count in the same statement.
CREATE TRIGGER comments_hidden_change AFTER UPDATE OF hidden ON comments WHEN OLD.hidden != NEW.hidden BEGIN
    UPDATE ideas SET comment_count = comment_count + (CASE WHEN NEW.hidden = 0 THEN 1 ELSE -1 END)
    WHERE id = NEW.idea_id;
END;
