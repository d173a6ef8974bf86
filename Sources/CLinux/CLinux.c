#define _GNU_SOURCE
#include <sys/socket.h>
#include <fcntl.h>
#include <malloc.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <stdio.h>
#include "CLinux.h"

int clinux_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
    return accept4(fd, addr, len, flags);
}

int clinux_start_writeback(int fd) {
    return sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
}

void clinux_tune_malloc(int mmap_threshold) {
    mallopt(M_MMAP_THRESHOLD, mmap_threshold);
    // A fixed mmap threshold also freezes the trim threshold at its default (128 KiB), so
    // free() would shrink the heap (a syscall) all the time; the server trims by itself.
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
}

void clinux_trim_memory(void) {
    malloc_trim(0);
}

#include <string.h>
const void *clinux_memmem(const void *haystack, size_t haystack_length, const void *needle, size_t needle_length) {
    return memmem(haystack, haystack_length, needle, needle_length);
}

void clinux_name_thread(const char *name) {
    prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
}

long clinux_thread_blocks_read(void) {
    struct rusage usage;
    return getrusage(RUSAGE_THREAD, &usage) == 0 ? usage.ru_inblock : -1;
}

int clinux_thread_idle_priority(void) {
    struct sched_param parameters = { .sched_priority = 0 };
    return sched_setscheduler(0, SCHED_IDLE, &parameters);
}

int clinux_thread_io_idle(void) {
    // ioprio_set(IOPRIO_WHO_PROCESS, this thread, class << 13): 3 is IOPRIO_CLASS_IDLE.
    return (int)syscall(SYS_ioprio_set, 1, 0, 3 << 13);
}

int clinux_thread_io_class(int tid) {
    long value = syscall(SYS_ioprio_get, 1, tid);
    return value < 0 ? -1 : (int)(value >> 13);
}

int clinux_thread_id(void) {
    return (int)syscall(SYS_gettid);
}

long long clinux_thread_runqueue_wait(int tid) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d/schedstat", tid);
    FILE *file = fopen(path, "re");
    if (file == 0) return -1;
    unsigned long long running = 0, waiting = 0;
    int fields = fscanf(file, "%llu %llu", &running, &waiting);
    fclose(file);
    return fields == 2 ? (long long)waiting : -1;
}

int clinux_malloc_arenas(int count) {
    return mallopt(M_ARENA_MAX, count);
}
