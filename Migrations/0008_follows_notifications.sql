-- Following ideas and in-app notifications (issue 16, first part).
-- Who follows an idea: its author, its voters and its commenters implicitly (unless they turned
-- `auto_follow` off), plus whoever chose to follow it; a `muted` row is an explicit unfollow and
-- silences the implicit reasons too. Implicit follows are worked out when a notification is sent,
-- so a vote writes nothing more than before.
ALTER TABLE users ADD COLUMN auto_follow INTEGER NOT NULL DEFAULT 1;

CREATE TABLE follows (
    idea_id INTEGER NOT NULL REFERENCES ideas(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    state TEXT NOT NULL CHECK (state IN ('following', 'muted')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (idea_id, user_id)
) WITHOUT ROWID;
CREATE INDEX follows_user ON follows (user_id, idea_id);

-- One row per (event, recipient), written in the transaction of the change that caused it, so a
-- notification exists exactly when its change committed. `payload` is the kind's JSON object.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    idea_id INTEGER,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    read_at INTEGER
);
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;
