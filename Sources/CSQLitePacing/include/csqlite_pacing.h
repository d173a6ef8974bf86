#ifndef CSQLITE_PACING_H
#define CSQLITE_PACING_H

// A SQLite VFS that wraps the default one and paces the writes a connection makes to its main
// database file (a checkpoint's copies): it remembers the pages written, and once more than
// `budget_bytes` of them wait in the kernel's cache it asks the kernel to write them back, in
// ascending order, `chunk_bytes` at a time, waiting for each step (sync_file_range) — so they reach
// the disk as a steady stream that a WAL fsync queues behind at most one step of, instead of one
// burst at SQLite's fsync. Below the budget they wait: a page that the next checkpoint pass copies
// again is then written to the disk once, not once per pass. A sync of the file writes back what
// waits (paced) before SQLite's fsync, and so does a file control `CSQLITE_PACING_FCNTL_WRITE_BACK`
// (`sqlite3_file_control(db, "main", CSQLITE_PACING_FCNTL_WRITE_BACK, 0)`). Durability is unchanged:
// SQLite's own fsyncs still run, and SQLite fsyncs the file before the WAL may start over.
//
// Under `gathering_name` the same VFS also gathers a WAL's appends (each frame is two writes:
// its header, its page) and writes them in one call when SQLite syncs, reads, sizes or closes
// the file, or writes out of sequence. Only for connections with `synchronous = FULL`, which
// sync the WAL at every commit before publishing it to other connections.
//
// Deferred syncs (gathering VFS only): while `csqlite_pacing_defer_wal_sync(1)` is in force on a
// thread, a WAL sync that thread asks for writes the gathered frames and returns without the
// fsync; `csqlite_pacing_take_deferred_sync()` then returns a descriptor of that WAL (valid until
// the connection closes; -1 if nothing was deferred) for the caller to fdatasync before it
// acknowledges the commit. Syncs of the database file, and every sync on other threads or
// outside the deferral (checkpoints), are never deferred.
void csqlite_pacing_defer_wal_sync(int on);
int csqlite_pacing_take_deferred_sync(void);
//
// Both are registered once (neither as the default); returns a SQLite result code.
int csqlite_register_paced_vfs(const char *name, const char *gathering_name, long long chunk_bytes,
                               long long budget_bytes);

// The file control that writes back what waits (a value no SQLite file control uses).
#define CSQLITE_PACING_FCNTL_WRITE_BACK 0x47530001

// Pacing steps taken since start (each one a sync_file_range that waited for its range), for
// tests and diagnostics.
long long csqlite_pacing_steps(void);

#endif
