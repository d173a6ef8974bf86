#ifndef CSQLITE_PACING_H
#define CSQLITE_PACING_H

// A SQLite VFS that wraps the default one and paces the writes a connection makes to its main
// database file: after every `chunk_bytes` written it asks the kernel to write that range back
// and waits for it (sync_file_range), so the pages a checkpoint copies reach the disk as a
// steady stream instead of one burst at its final fsync — a burst that every WAL fsync of the
// writer would otherwise queue behind. Durability is unchanged: SQLite's own fsyncs still run.
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
int csqlite_register_paced_vfs(const char *name, const char *gathering_name, long long chunk_bytes);

// Pacing steps taken since start (each one a sync_file_range that waited for its range), for
// tests and diagnostics.
long long csqlite_pacing_steps(void);

#endif
