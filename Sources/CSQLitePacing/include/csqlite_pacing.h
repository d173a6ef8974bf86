#ifndef CSQLITE_PACING_H
#define CSQLITE_PACING_H

// A SQLite VFS that wraps the default one and paces the writes a connection makes to its main
// database file: after every `chunk_bytes` written it asks the kernel to write that range back
// and waits for it (sync_file_range), so the pages a checkpoint copies reach the disk as a
// steady stream instead of one burst at its final fsync — a burst that every WAL fsync of the
// writer would otherwise queue behind. Durability is unchanged: SQLite's own fsyncs still run.
// Registered once under `name` (not as the default); returns a SQLite result code.
int csqlite_register_paced_vfs(const char *name, long long chunk_bytes);

#endif
