#define _GNU_SOURCE
#include "csqlite_pacing.h"
#include <sqlite3.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// The default VFS all calls go to; set once by csqlite_register_paced_vfs.
static sqlite3_vfs *root_vfs;
static sqlite3_vfs paced_vfs;
static sqlite3_vfs gathering_vfs;
static long long paced_chunk;
static long long paced_budget;

// Our file: the wrapped file follows this struct in the same allocation (szOsFile covers both).
typedef struct PacedFile {
    sqlite3_file base;
    sqlite3_file *real;
    int fd;                        // own descriptor on the main database file, or -1
    int wal_fd;                    // own descriptor on a gathered WAL, for deferred syncs, or -1
    // The main database file's 4 KiB pages this connection wrote since it last wrote them back:
    // one bit each (75 KiB for a 2.4 GB file), and how many are set.
    unsigned long long *dirty;
    size_t dirty_words;
    long long dirty_pages;
    // A WAL's appends, gathered until SQLite reads, syncs or writes elsewhere (NULL: not a WAL).
    unsigned char *pending;
    int pending_len;
    sqlite3_int64 pending_off;
} PacedFile;

// SQLite's unix VFS writes at most 0x1ffff bytes per call (seekAndWriteFd masks the length, and
// a shorter write than asked is reported as SQLITE_FULL): gather up to 120 KiB, ~30 frames.
enum { GATHER_CAPACITY = 120 << 10 };

// Writes the gathered appends with one call; SQLite's next read, sync or size sees them.
static int flush_pending(PacedFile *p) {
    if (p->pending == 0 || p->pending_len == 0) return SQLITE_OK;
    int len = p->pending_len;
    p->pending_len = 0;
    return p->real->pMethods->xWrite(p->real, p->pending, len, p->pending_off);
}

static sqlite3_file *real_of(sqlite3_file *f) { return ((PacedFile *)f)->real; }

// Per thread: whether a gathered WAL's syncs are deferred, and the descriptor of the WAL whose
// sync was deferred since the caller last took it (csqlite_pacing.h).
static __thread int defer_wal_sync;
static __thread int deferred_wal_fd = -1;

void csqlite_pacing_defer_wal_sync(int on) { defer_wal_sync = on; }

int csqlite_pacing_take_deferred_sync(void) {
    int fd = deferred_wal_fd;
    deferred_wal_fd = -1;
    return fd;
}

static long long steps;  // atomically: several connections pace at once

long long csqlite_pacing_steps(void) { return __atomic_load_n(&steps, __ATOMIC_RELAXED); }

enum { PAGE_SHIFT = 12 };

// Waits for earlier write-back of the pages from `first` to `last`, starts theirs and waits for it:
// the device never holds more than one such step of this file's writes ahead of anyone's fsync.
static void write_back_range(PacedFile *p, long long first, long long last) {
    __atomic_add_fetch(&steps, 1, __ATOMIC_RELAXED);
    sync_file_range(p->fd, first << PAGE_SHIFT, (last - first + 1) << PAGE_SHIFT,
                    SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
}

// Writes back every page marked dirty, in ascending order, `paced_chunk` bytes of them a step.
static void write_back(PacedFile *p) {
    if (p->fd < 0 || p->dirty_pages == 0) return;
    long long per_step = paced_chunk >> PAGE_SHIFT;
    if (per_step < 1) per_step = 1;
    long long first = -1, last = -1, in_step = 0;
    for (size_t w = 0; w < p->dirty_words; w++) {
        unsigned long long bits = p->dirty[w];
        p->dirty[w] = 0;
        while (bits != 0) {
            long long page = (long long)w * 64 + __builtin_ctzll(bits);
            bits &= bits - 1;
            if (first < 0) first = page;
            last = page;
            if (++in_step == per_step) {
                write_back_range(p, first, last);
                first = -1;
                in_step = 0;
            }
        }
    }
    if (first >= 0) write_back_range(p, first, last);
    p->dirty_pages = 0;
}

// Marks the pages of a write to the main database file; once more than `paced_budget` bytes of
// them wait, writes them back. Below the budget they stay in the kernel's cache, where later
// writes of the same pages (the next checkpoint pass copying a page voted on again) cost nothing
// on the disk; SQLite's fsync before it lets the WAL start over writes whatever is left.
static void mark_written(PacedFile *p, sqlite3_int64 off, int amt) {
    if (p->fd < 0 || amt <= 0) return;
    long long first = off >> PAGE_SHIFT, last = (off + amt - 1) >> PAGE_SHIFT;
    size_t words = (size_t)(last / 64) + 1;
    if (words > p->dirty_words) {
        size_t grown = p->dirty_words ? p->dirty_words : 64;
        while (grown < words) grown *= 2;
        unsigned long long *bigger = realloc(p->dirty, grown * sizeof *bigger);
        if (bigger == 0) {  // no room to remember: write this range back now
            write_back_range(p, first, last);
            return;
        }
        memset(bigger + p->dirty_words, 0, (grown - p->dirty_words) * sizeof *bigger);
        p->dirty = bigger;
        p->dirty_words = grown;
    }
    for (long long page = first; page <= last; page++) {
        unsigned long long bit = 1ULL << (page & 63);
        if (!(p->dirty[page / 64] & bit)) {
            p->dirty[page / 64] |= bit;
            p->dirty_pages++;
        }
    }
    if ((p->dirty_pages << PAGE_SHIFT) > paced_budget) write_back(p);
}

static int paced_close(sqlite3_file *f) {
    PacedFile *p = (PacedFile *)f;
    int flushed = flush_pending(p);
    free(p->pending);
    p->pending = 0;
    free(p->dirty);
    p->dirty = 0;
    p->dirty_words = 0;
    if (p->fd >= 0) close(p->fd);
    p->fd = -1;
    if (p->wal_fd >= 0) close(p->wal_fd);
    p->wal_fd = -1;
    int rc = p->real->pMethods->xClose(p->real);
    return flushed != SQLITE_OK ? flushed : rc;
}
static int paced_read(sqlite3_file *f, void *buf, int amt, sqlite3_int64 off) {
    int rc = flush_pending((PacedFile *)f);
    if (rc != SQLITE_OK) return rc;
    return real_of(f)->pMethods->xRead(real_of(f), buf, amt, off);
}
static int paced_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 off) {
    PacedFile *p = (PacedFile *)f;
    if (p->pending != 0) {
        // A frame follows the previous one: gather it. Anything else (a frame rewritten in
        // place, the header after a restart) goes after what is gathered, in order.
        if (p->pending_len > 0 && off == p->pending_off + p->pending_len && p->pending_len + amt <= GATHER_CAPACITY) {
            memcpy(p->pending + p->pending_len, buf, (size_t)amt);
            p->pending_len += amt;
            return SQLITE_OK;
        }
        int rc = flush_pending(p);
        if (rc != SQLITE_OK) return rc;
        if (amt <= GATHER_CAPACITY) {
            memcpy(p->pending, buf, (size_t)amt);
            p->pending_len = amt;
            p->pending_off = off;
            return SQLITE_OK;
        }
    }
    int rc = p->real->pMethods->xWrite(p->real, buf, amt, off);
    if (rc == SQLITE_OK) mark_written(p, off, amt);
    return rc;
}
static int paced_truncate(sqlite3_file *f, sqlite3_int64 size) {
    int rc = flush_pending((PacedFile *)f);
    if (rc != SQLITE_OK) return rc;
    return real_of(f)->pMethods->xTruncate(real_of(f), size);
}
static int paced_sync(sqlite3_file *f, int flags) {
    PacedFile *p = (PacedFile *)f;
    int rc = flush_pending(p);
    if (rc != SQLITE_OK) return rc;
    // The frames are in the file (SQLite publishes the commit next); the caller syncs them.
    if (defer_wal_sync && p->wal_fd >= 0) {
        deferred_wal_fd = p->wal_fd;
        return SQLITE_OK;
    }
    write_back(p);
    return real_of(f)->pMethods->xSync(real_of(f), flags);
}
static int paced_file_size(sqlite3_file *f, sqlite3_int64 *size) {
    int rc = flush_pending((PacedFile *)f);
    if (rc != SQLITE_OK) return rc;
    return real_of(f)->pMethods->xFileSize(real_of(f), size);
}
static int paced_lock(sqlite3_file *f, int level) { return real_of(f)->pMethods->xLock(real_of(f), level); }
static int paced_unlock(sqlite3_file *f, int level) { return real_of(f)->pMethods->xUnlock(real_of(f), level); }
static int paced_check_reserved(sqlite3_file *f, int *out) {
    return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}
static int paced_file_control(sqlite3_file *f, int op, void *arg) {
    int rc = flush_pending((PacedFile *)f);
    if (rc != SQLITE_OK) return rc;
    if (op == CSQLITE_PACING_FCNTL_WRITE_BACK) {
        write_back((PacedFile *)f);
        return SQLITE_OK;
    }
    return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}
static int paced_sector_size(sqlite3_file *f) { return real_of(f)->pMethods->xSectorSize(real_of(f)); }
static int paced_device_characteristics(sqlite3_file *f) {
    return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f));
}
static int paced_shm_map(sqlite3_file *f, int region, int size, int extend, void volatile **out) {
    return real_of(f)->pMethods->xShmMap(real_of(f), region, size, extend, out);
}
static int paced_shm_lock(sqlite3_file *f, int offset, int n, int flags) {
    return real_of(f)->pMethods->xShmLock(real_of(f), offset, n, flags);
}
static void paced_shm_barrier(sqlite3_file *f) { real_of(f)->pMethods->xShmBarrier(real_of(f)); }
static int paced_shm_unmap(sqlite3_file *f, int delete_flag) {
    return real_of(f)->pMethods->xShmUnmap(real_of(f), delete_flag);
}
static int paced_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **out) {
    int rc = flush_pending((PacedFile *)f);
    if (rc != SQLITE_OK) return rc;
    return real_of(f)->pMethods->xFetch(real_of(f), off, amt, out);
}
static int paced_unfetch(sqlite3_file *f, sqlite3_int64 off, void *page) {
    return real_of(f)->pMethods->xUnfetch(real_of(f), off, page);
}

static const sqlite3_io_methods paced_methods = {
    3, paced_close, paced_read, paced_write, paced_truncate, paced_sync, paced_file_size, paced_lock,
    paced_unlock, paced_check_reserved, paced_file_control, paced_sector_size, paced_device_characteristics,
    paced_shm_map, paced_shm_lock, paced_shm_barrier, paced_shm_unmap, paced_fetch, paced_unfetch
};

static int open_file(const char *name, sqlite3_file *f, int flags, int *out_flags, int gather_wal) {
    PacedFile *p = (PacedFile *)f;
    memset(p, 0, sizeof *p);
    p->real = (sqlite3_file *)(p + 1);
    p->fd = -1;
    p->wal_fd = -1;
    int rc = root_vfs->xOpen(root_vfs, name, p->real, flags, out_flags);
    if (rc != SQLITE_OK || p->real->pMethods == 0) {
        p->base.pMethods = 0;
        return rc;
    }
    // Only the main database file is paced; the WAL is written sequentially and fsynced per commit.
    if ((flags & SQLITE_OPEN_MAIN_DB) && name != 0) p->fd = open(name, O_RDONLY | O_CLOEXEC);
    // A WAL's frames (two writes each: header, page) are gathered and written in one call when
    // SQLite syncs, reads or looks elsewhere. Only for connections that sync every commit: the
    // frames must be in the file before the commit is published to other connections, and SQLite
    // publishes right after the sync.
    if ((flags & SQLITE_OPEN_WAL) && gather_wal) {
        p->pending = malloc(GATHER_CAPACITY);
        if (p->pending == 0) {
            p->real->pMethods->xClose(p->real);
            p->base.pMethods = 0;
            return SQLITE_NOMEM;
        }
        // fdatasync works on a read-only descriptor: the syncer thread's handle on this inode.
        if (name != 0) p->wal_fd = open(name, O_RDONLY | O_CLOEXEC);
    }
    p->base.pMethods = &paced_methods;
    return SQLITE_OK;
}

static int paced_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out_flags) {
    (void)vfs;
    return open_file(name, f, flags, out_flags, 0);
}

static int gathering_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out_flags) {
    (void)vfs;
    return open_file(name, f, flags, out_flags, 1);
}

static pthread_mutex_t register_lock = PTHREAD_MUTEX_INITIALIZER;

int csqlite_register_paced_vfs(const char *name, const char *gathering_name, long long chunk_bytes,
                               long long budget_bytes) {
    pthread_mutex_lock(&register_lock);
    int rc = SQLITE_OK;
    if (root_vfs == 0) {
        sqlite3_vfs *root = sqlite3_vfs_find(0);
        if (root == 0 || root->iVersion < 1) {
            rc = SQLITE_ERROR;
        } else {
            paced_vfs = *root;  // every other method (and pAppData, which unix's use) as the default's
            paced_vfs.pNext = 0;
            paced_vfs.zName = strdup(name);
            paced_vfs.szOsFile = (int)sizeof(PacedFile) + root->szOsFile;
            paced_vfs.xOpen = paced_open;
            paced_chunk = chunk_bytes > 0 ? chunk_bytes : (1 << 20);
            paced_budget = budget_bytes > paced_chunk ? budget_bytes : paced_chunk;
            gathering_vfs = paced_vfs;
            gathering_vfs.zName = strdup(gathering_name);
            gathering_vfs.xOpen = gathering_open;
            root_vfs = root;
            rc = sqlite3_vfs_register(&paced_vfs, 0);
            if (rc == SQLITE_OK) rc = sqlite3_vfs_register(&gathering_vfs, 0);
        }
    }
    pthread_mutex_unlock(&register_lock);
    return rc;
}
