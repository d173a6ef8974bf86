#ifndef CLINUX_H
#define CLINUX_H
// Linux calls that Swift's Glibc module does not export (epoll, eventfd, accept4, sync_file_range).
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

int clinux_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);
// Starts writeback of fd's dirty pages without waiting (sync_file_range, SYNC_FILE_RANGE_WRITE).
int clinux_start_writeback(int fd);

static const int CLINUX_EPOLLIN = EPOLLIN;
static const int CLINUX_EPOLLOUT = EPOLLOUT;
static const int CLINUX_EPOLLERR = EPOLLERR;
static const int CLINUX_EPOLLHUP = EPOLLHUP;
static const int CLINUX_EPOLLRDHUP = EPOLLRDHUP;
#endif
