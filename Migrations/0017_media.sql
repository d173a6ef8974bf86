-- Pictures on ideas (issue 18). The files are content-addressed under the media directory
-- (<sha256>.<ext>, re-encoded without metadata); a row is written only after both of its files
-- are complete and synced on disk, and only rows are served, so a half-written file never is.
CREATE TABLE media (
    id INTEGER PRIMARY KEY,
    idea_id INTEGER NOT NULL REFERENCES ideas(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    format TEXT NOT NULL CHECK (format IN ('jpeg', 'png', 'webp')),
    sha256 TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    rendition_sha256 TEXT NOT NULL,
    rendition_width INTEGER NOT NULL,
    rendition_height INTEGER NOT NULL,
    rendition_bytes INTEGER NOT NULL,
    alt TEXT NOT NULL DEFAULT '',
    hidden INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE INDEX media_idea ON media (idea_id, id);
CREATE INDEX media_user ON media (user_id);
CREATE INDEX media_file ON media (sha256);
CREATE INDEX media_rendition ON media (rendition_sha256);

-- The idea's first visible picture as lists show it: "<file> <width> <height>" of its rendition,
-- kept by the media store, so lists need no join.
ALTER TABLE ideas ADD COLUMN cover TEXT;

-- Flags may now point at a picture: the CHECK constraint changes, so the table is rebuilt.
CREATE TABLE flags_new (
    id INTEGER PRIMARY KEY,
    target_type TEXT NOT NULL CHECK (target_type IN ('idea', 'comment', 'media')),
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
INSERT INTO flags_new SELECT id, target_type, target_id, user_id, reason, state, resolution, resolved_by, resolved_at, created_at FROM flags;
DROP TABLE flags;
ALTER TABLE flags_new RENAME TO flags;
CREATE INDEX flags_state ON flags (state, id);
