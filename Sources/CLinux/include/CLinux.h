#ifndef CLINUX_H
#define CLINUX_H
// Linux calls that Swift's Glibc module does not export (epoll, eventfd, accept4).
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

int clinux_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);

static const int CLINUX_EPOLLIN = EPOLLIN;
static const int CLINUX_EPOLLOUT = EPOLLOUT;
static const int CLINUX_EPOLLERR = EPOLLERR;
static const int CLINUX_EPOLLHUP = EPOLLHUP;
static const int CLINUX_EPOLLRDHUP = EPOLLRDHUP;
#endif
