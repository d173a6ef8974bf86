-- Replies from staff (issue 16): the company answers under an idea as itself. A comment is
-- written either by a customer (`author_id`) or by a staff member (`staff_id`), never both.
-- SQLite cannot relax NOT NULL in place, so the table is rebuilt (its ids kept) with its
-- index and triggers.
CREATE TABLE comments_new (
    id INTEGER PRIMARY KEY,
    idea_id INTEGER NOT NULL REFERENCES ideas(id),
    author_id INTEGER REFERENCES users(id),
    staff_id INTEGER REFERENCES staff(id),
    body TEXT NOT NULL,
    hidden INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    CHECK ((author_id IS NULL) != (staff_id IS NULL))
);
INSERT INTO comments_new (id, idea_id, author_id, body, hidden, created_at)
    SELECT id, idea_id, author_id, body, hidden, created_at FROM comments;
DROP TABLE comments;
ALTER TABLE comments_new RENAME TO comments;
CREATE INDEX comments_idea ON comments (idea_id, id);
CREATE INDEX comments_author ON comments (author_id) WHERE author_id IS NOT NULL;
CREATE TRIGGER comments_count_insert AFTER INSERT ON comments WHEN NEW.hidden = 0 BEGIN
    UPDATE ideas SET comment_count = comment_count + 1 WHERE id = NEW.idea_id;
END;
CREATE TRIGGER comments_count_delete AFTER DELETE ON comments WHEN OLD.hidden = 0 BEGIN
    UPDATE ideas SET comment_count = comment_count - 1 WHERE id = OLD.idea_id;
END;
CREATE TRIGGER comments_hidden_change AFTER UPDATE OF hidden ON comments WHEN OLD.hidden != NEW.hidden BEGIN
    UPDATE ideas SET comment_count = comment_count + (CASE WHEN NEW.hidden = 0 THEN 1 ELSE -1 END)
    WHERE id = NEW.idea_id;
END;
