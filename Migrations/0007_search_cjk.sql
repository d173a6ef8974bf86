-- Search that works in Korean, Japanese and Chinese (issue 13). The index moves from
-- unicode61 (which splits only on spaces and punctuation, so 텀블러 never matched 텀블러를)
-- to Groundswell's own FTS5 tokenizer `groundswell` (Sources/Groundswell/Search/SearchTokenizer.swift):
-- the same words as before for space-separated scripts, overlapping bigrams plus single
-- characters for Hangul, Han and Kana runs, NFKC and case folding for all. The tokenizer is
-- registered on every connection before migrations run. The index is rebuilt from the
-- visible ideas; the ideas themselves are untouched.
DROP TRIGGER ideas_fts_insert;
DROP TRIGGER ideas_fts_delete;
DROP TRIGGER ideas_fts_update_old;
DROP TRIGGER ideas_fts_update_new;
DROP TABLE ideas_fts;

CREATE VIRTUAL TABLE ideas_fts USING fts5(
    title, description, content='ideas', content_rowid='id', tokenize='groundswell'
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

INSERT INTO ideas_fts (rowid, title, description) SELECT id, title, description FROM ideas WHERE hidden = 0;
