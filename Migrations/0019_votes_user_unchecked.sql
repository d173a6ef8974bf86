-- Issue 14: a vote no longer looks up its author's row. The foreign key from votes.user_id to
-- users(id) made every inserted vote read a random page of `users` (24 MB at 200,000 customers);
-- the writer lacked most of those pages, and for each it searched the whole WAL index before
-- reading it from the file: 15-18 % of the writer's CPU under uniform votes. The key cannot catch
-- anything here: a customer row is never deleted (erasure scrubs it in place, UserStore), every
-- vote's author was authenticated by that row moments before, and merges copy existing votes'
-- authors. Uniform votes over 200,000 customers, five alternating pairs: 20,087 against 16,954
-- votes/s (medians), 52 against 66 us of server CPU a vote (docs/performance.md, session 27).
--
-- Removing a foreign key changes no stored byte, so the table's text is edited in place, as
-- SQLite documents for this case (lang_altertable.html, "other kinds of table schema changes"),
-- instead of copying 20,000,000 rows into a new table.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql, 'user_id INTEGER NOT NULL REFERENCES users(id)', 'user_id INTEGER NOT NULL')
 WHERE type = 'table' AND name = 'votes';
-- This connection re-reads the schema (and writable_schema is off again).
PRAGMA writable_schema = RESET;
-- What the key would have caught, a vote outliving its author's row, the schema still rules out.
-- Creating the trigger also bumps the schema cookie, so every other connection re-reads the schema.
CREATE TRIGGER users_never_deleted BEFORE DELETE ON users BEGIN
    SELECT RAISE(ABORT, 'a customer row is never deleted: erasure scrubs it in place');
END;
-- Fails the migration (and rolls it back) unless the key is gone.
CREATE TEMP TABLE votes_user_unchecked (keys INTEGER CHECK (keys = 0));
INSERT INTO votes_user_unchecked SELECT count(*) FROM pragma_foreign_key_list('votes') WHERE "table" = 'users';
DROP TABLE votes_user_unchecked;
