-- Video and link attachments (issue 18): YouTube and Vimeo videos by id (embedded only when the
-- reader asks, through the privacy-enhanced players), other http(s) links as links.
CREATE TABLE idea_links (
    id INTEGER PRIMARY KEY,
    idea_id INTEGER NOT NULL REFERENCES ideas(id),
    kind TEXT NOT NULL CHECK (kind IN ('youtube', 'vimeo', 'link')),
    ref TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (idea_id, kind, ref)
);
