#ifndef CLINUX_H
#define CLINUX_H
// Linux calls that Swift's Glibc module does not export (epoll, eventfd, accept4, sync_file_range, prctl).
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

int clinux_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);
// Starts writeback of fd's dirty pages without waiting (sync_file_range, SYNC_FILE_RANGE_WRITE).
int clinux_start_writeback(int fd);
/// memmem(3), a GNU extension: the first occurrence of needle in haystack, or NULL.
const void *clinux_memmem(const void *haystack, size_t haystack_length, const void *needle, size_t needle_length);
// Large buffers (request bodies, long heads) come from mmap and go back to the system when freed.
void clinux_tune_malloc(int mmap_threshold);
// Gives free heap memory back to the system (malloc_trim(0)).
void clinux_trim_memory(void);
// Names the calling thread for top -H, perf and /proc (prctl PR_SET_NAME: Linux keeps 15 bytes).
void clinux_name_thread(const char *name);

// Blocks the calling thread has read from storage so far (getrusage RUSAGE_THREAD, ru_inblock):
// reads the page cache answered are not counted. -1 on failure.
long clinux_thread_blocks_read(void);

// Moves the calling thread to SCHED_IDLE (it runs only on a core nothing else wants), for good:
// leaving it needs CAP_SYS_NICE. 0 on success, -1 with errno.
int clinux_thread_idle_priority(void);

// Caps glibc's malloc arenas (mallopt M_ARENA_MAX). Only before any thread but the first has
// allocated: glibc fixes the limit when it makes its first extra arena. 1 on success, 0 on failure.
int clinux_malloc_arenas(int count);

/// Puts the calling thread's block I/O in the idle class; 0 or -1.
int clinux_thread_io_idle(void);

/// The I/O class of thread `tid` (0 none, 1 real-time, 2 best-effort, 3 idle), or -1.
int clinux_thread_io_class(int tid);

/// The calling thread's id (gettid).
int clinux_thread_id(void);

/// Nanoseconds thread `tid` of this process has spent runnable but waiting for a core, from
/// `/proc/self/task/TID/schedstat`; -1 where the kernel does not keep it.
long long clinux_thread_runqueue_wait(int tid);

static const int CLINUX_EPOLLIN = EPOLLIN;
static const int CLINUX_EPOLLOUT = EPOLLOUT;
static const int CLINUX_EPOLLERR = EPOLLERR;
static const int CLINUX_EPOLLHUP = EPOLLHUP;
static const int CLINUX_EPOLLRDHUP = EPOLLRDHUP;
#endif
