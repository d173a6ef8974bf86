-- Engagement analytics (issue 17): what each customer (`u<id>`) or anonymous reader
-- (`v<hash>`, a daily-rotating salted hash, never an address) did per UTC day, overall (scope '')
-- and per category (`c:<name>`) and round (`r:<id>`). Rolled up from votes, comments, ideas and
-- page views every few seconds by the scheduler; every engagement figure is computed from here.
CREATE TABLE activity_days (
    scope TEXT NOT NULL,
    day INTEGER NOT NULL,
    actor TEXT NOT NULL,
    reads INTEGER NOT NULL DEFAULT 0,
    votes INTEGER NOT NULL DEFAULT 0,
    comments INTEGER NOT NULL DEFAULT 0,
    ideas INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (scope, day, actor)
) WITHOUT ROWID;

-- How far the rollup has read each source (the highest row id taken in, and when).
CREATE TABLE rollup_marks (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;

-- Votes voided as fraud keep their original id: the rollup finds them by it.
CREATE INDEX voided_votes_vote ON voided_votes (vote_id);
-- Staff answers by idea: the first official comment (responsiveness).
CREATE INDEX comments_staff ON comments (idea_id, created_at) WHERE staff_id IS NOT NULL;
-- Sign-up cohorts.
CREATE INDEX users_created ON users (created_at);
-- Ideas by submission time (responsiveness, funnel).
CREATE INDEX ideas_created ON ideas (created_at);
