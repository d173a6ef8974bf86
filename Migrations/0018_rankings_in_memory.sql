-- Issue 14: the `top` and `trending` orders are kept in memory by the server (IdeaRanking,
-- built from this table at start-up and moved after every commit that changes an idea), not
-- in these indexes. Every vote changed both keys, so on random traffic each vote rewrote two to
-- four index pages in the WAL and again at the checkpoint. PostgreSQL keeps them (its nodes
-- see each other's writes only through the database).
DROP INDEX IF EXISTS ideas_top;
DROP INDEX IF EXISTS ideas_trend;
