-- A round's entry_count (its ideas in entry_state 'entered') is kept on its row instead of counted
-- on every read. The count visited every entry's idea row: with 100,000 entries spread over
-- 300,000 ideas, GET /rounds/{id} took 100-170 ms of a reader (9.5 requests a second at 16
-- connections, p99 1.9 s), every round in GET /rounds paid it again, and each new entry paid it
-- on the writer to check the cap (docs/performance.md, session 30). Triggers keep it, so every
-- path that enters, draws, carries over or removes an idea counts without knowing of it.
ALTER TABLE rounds ADD COLUMN entry_count INTEGER NOT NULL DEFAULT 0;
UPDATE rounds SET entry_count = (SELECT COUNT(*) FROM ideas WHERE ideas.round_id = rounds.id AND ideas.entry_state = 'entered');
CREATE TRIGGER ideas_entry_count_insert AFTER INSERT ON ideas
WHEN NEW.round_id IS NOT NULL AND NEW.entry_state = 'entered' BEGIN
    UPDATE rounds SET entry_count = entry_count + 1 WHERE id = NEW.round_id;
END;
CREATE TRIGGER ideas_entry_count_delete AFTER DELETE ON ideas
WHEN OLD.round_id IS NOT NULL AND OLD.entry_state = 'entered' BEGIN
    UPDATE rounds SET entry_count = entry_count - 1 WHERE id = OLD.round_id;
END;
-- Only statements that name round_id or entry_state fire it (a vote's UPDATE of ideas does not).
CREATE TRIGGER ideas_entry_count_update AFTER UPDATE OF round_id, entry_state ON ideas
WHEN OLD.round_id IS NOT NEW.round_id OR OLD.entry_state IS NOT NEW.entry_state BEGIN
    UPDATE rounds SET entry_count = entry_count - 1 WHERE id = OLD.round_id AND OLD.entry_state = 'entered';
    UPDATE rounds SET entry_count = entry_count + 1 WHERE id = NEW.round_id AND NEW.entry_state = 'entered';
END;
