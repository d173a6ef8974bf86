-- One trending formula (issue 11): Rules.Trending, in Swift. The delete trigger that kept an
-- idea's count, reach time and trending score by recomputing the formula in SQL is dropped;
-- every path that deletes votes (retracting, voiding, merging) now has VoteLedger recount
-- the ideas it touched, in the same transaction, with Rules.Trending. The round's count keeps
-- its simple trigger (no formula in it).
DROP TRIGGER votes_count_delete;
