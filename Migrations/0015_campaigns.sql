-- Share links and campaigns (issue 18): every idea has a short link /i/{code}; its author can
-- make labelled campaign links (/i/{code}?c=instagram-bio). A browser's first visit through a
-- link within 7 days is counted (`visits`) and remembered in a cookie of that browser only; a
-- vote that browser then casts for the idea is attributed to the link (`campaign_votes`). No
-- address and no visitor id is stored.
CREATE TABLE campaigns (
    id INTEGER PRIMARY KEY,
    idea_id INTEGER NOT NULL REFERENCES ideas(id),
    label TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    visits INTEGER NOT NULL DEFAULT 0,
    UNIQUE (idea_id, label)
);

CREATE TABLE campaign_votes (
    vote_id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    idea_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX campaign_votes_campaign ON campaign_votes (campaign_id, created_at);
CREATE INDEX campaign_votes_user ON campaign_votes (idea_id, user_id);
