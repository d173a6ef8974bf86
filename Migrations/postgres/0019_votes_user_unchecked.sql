-- Issue 14: votes.user_id no longer references users(id), as in SQLite's 0019 (which says why:
-- a customer row is never deleted and every vote's author was just authenticated). Here each
-- inserted vote also stops taking a key-share lock on its author's row.
ALTER TABLE votes DROP CONSTRAINT votes_user_id_fkey;
CREATE FUNCTION users_never_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a customer row is never deleted: erasure scrubs it in place';
END $$;
CREATE TRIGGER users_never_deleted BEFORE DELETE ON users FOR EACH ROW EXECUTE FUNCTION users_never_deleted();
