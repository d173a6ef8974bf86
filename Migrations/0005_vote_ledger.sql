-- Recording a vote no longer goes through AFTER INSERT triggers on votes. A statement that
-- fires a trigger may change several rows, so inside the writer's batch transaction SQLite
-- guards it with a statement journal: a copy of every page it touches, per vote. The one
-- place that inserts votes (VoteLedger in the server) now updates the idea's count, reach
-- time and trending score, and the round's count, with explicit single-row statements in
-- the same transaction, using the same formulas. Deletes (retracting, voiding, merging) are
-- rare and keep their triggers, which recompute from the remaining rows.
DROP TRIGGER votes_count_insert;
DROP TRIGGER votes_round_insert;
