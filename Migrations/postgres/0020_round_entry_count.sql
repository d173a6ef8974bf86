-- A round's entry_count is kept on its row by a trigger instead of counted on every read, as in
-- SQLite's 0020 (which says why: GET /rounds/{id} visited every entry's idea row).
ALTER TABLE rounds ADD COLUMN entry_count BIGINT NOT NULL DEFAULT 0;
UPDATE rounds SET entry_count = (SELECT COUNT(*) FROM ideas WHERE ideas.round_id = rounds.id AND ideas.entry_state = 'entered');
CREATE FUNCTION ideas_entry_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.round_id IS NOT NULL AND OLD.entry_state = 'entered' THEN
        UPDATE rounds SET entry_count = entry_count - 1 WHERE id = OLD.round_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.round_id IS NOT NULL AND NEW.entry_state = 'entered' THEN
        UPDATE rounds SET entry_count = entry_count + 1 WHERE id = NEW.round_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER ideas_entry_count_insert AFTER INSERT ON ideas FOR EACH ROW
    WHEN (NEW.round_id IS NOT NULL AND NEW.entry_state = 'entered') EXECUTE FUNCTION ideas_entry_count();
CREATE TRIGGER ideas_entry_count_delete AFTER DELETE ON ideas FOR EACH ROW
    WHEN (OLD.round_id IS NOT NULL AND OLD.entry_state = 'entered') EXECUTE FUNCTION ideas_entry_count();
CREATE TRIGGER ideas_entry_count_update AFTER UPDATE OF round_id, entry_state ON ideas FOR EACH ROW
    WHEN (OLD.round_id IS DISTINCT FROM NEW.round_id OR OLD.entry_state IS DISTINCT FROM NEW.entry_state)
    EXECUTE FUNCTION ideas_entry_count();
