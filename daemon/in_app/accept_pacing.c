/* Accept pacing, part of the preload library: pm loads it into Node
 * instances with PM_ACCEPT_PACING=1. libuv accepts every connection waiting
 * in a listening socket's queue in one go, and a Node process that dies
 * takes every connection it accepted and had not answered with it. pmd keeps
 * what waits in the kernel for the next instance, so this leaves it there:
 * a thread accepts a new connection only once it has read from the one it
 * accepted last (pmd's TCP_DEFER_ACCEPT means that one came with its
 * request), or two turns of its event loop went by without (a client that
 * is slow to speak, or a connection handed on unread). A crash then loses
 * the request it was handling and nothing more.
 *
 * The EAGAIN this returns is only safe where the next wait reports the
 * socket again: libuv's level-triggered loop, on pmd's sockets (the only
 * ones with SO_REUSEPORT; a native addon's own loop may be edge-triggered).
 * So the setting is dropped from the environment at load, and the programs
 * this one starts are not paced. */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

typedef int (*accept4_fn)(int, struct sockaddr*, socklen_t*, int);
typedef int (*accept_fn)(int, struct sockaddr*, socklen_t*);
typedef int (*epoll_wait_fn)(int, struct epoll_event*, int, int);
typedef int (*epoll_pwait_fn)(int, struct epoll_event*, int, int, const sigset_t*);
typedef ssize_t (*read_fn)(int, void*, size_t);
typedef ssize_t (*readv_fn)(int, const struct iovec*, int);
typedef ssize_t (*recv_fn)(int, void*, size_t, int);

/* Resolved at load, not on first use: a first read() may come from a
 * signal handler, where dlsym() is not safe. (A library initialised before
 * this one that reads at load gets them resolved then.) */
static accept4_fn real_accept4;
static accept_fn real_accept;
static epoll_wait_fn real_epoll_wait;
static epoll_pwait_fn real_epoll_pwait;
static read_fn real_read;
static readv_fn real_readv;
static recv_fn real_recv;

static int pacing;
/* Per thread: each has its own event loop. */
#define PER_THREAD __thread __attribute__((tls_model("initial-exec")))
static PER_THREAD int unread_fd = -1;
static PER_THREAD unsigned waits_since_accept;

static void resolve(void) {
  real_accept4 = (accept4_fn)dlsym(RTLD_NEXT, "accept4");
  real_accept = (accept_fn)dlsym(RTLD_NEXT, "accept");
  real_epoll_wait = (epoll_wait_fn)dlsym(RTLD_NEXT, "epoll_wait");
  real_epoll_pwait = (epoll_pwait_fn)dlsym(RTLD_NEXT, "epoll_pwait");
  real_read = (read_fn)dlsym(RTLD_NEXT, "read");
  real_readv = (readv_fn)dlsym(RTLD_NEXT, "readv");
  real_recv = (recv_fn)dlsym(RTLD_NEXT, "recv");
}

__attribute__((constructor)) static void load(void) {
  if (!real_recv) resolve();
  const char* value = getenv("PM_ACCEPT_PACING");
  pacing = value && strcmp(value, "1") == 0;
  unsetenv("PM_ACCEPT_PACING");
}

/* Whether an accept on `fd` must wait (errno set to EAGAIN then). */
static int held_back(int fd) {
  if (!pacing || unread_fd < 0) return 0;
  if (waits_since_accept >= 2) {
    unread_fd = -1;
    return 0;
  }
  /* Only a non-blocking socket of pmd's: a blocking accept must not fail,
   * and another loop may not report the socket again. */
  int reuse = 0;
  socklen_t length = sizeof reuse;
  if (!(fcntl(fd, F_GETFL) & O_NONBLOCK) ||
      getsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &reuse, &length) != 0 || !reuse)
    return 0;
  errno = EAGAIN;
  return 1;
}

static int accepted(int fd) {
  if (pacing && fd >= 0) {
    unread_fd = fd;
    waits_since_accept = 0;
  }
  return fd;
}

static void touched(int fd) {
  if (fd == unread_fd) unread_fd = -1;
}

int accept4(int fd, struct sockaddr* address, socklen_t* length, int flags) {
  if (!real_recv) resolve();
  if (held_back(fd)) return -1;
  return accepted(real_accept4(fd, address, length, flags));
}

int accept(int fd, struct sockaddr* address, socklen_t* length) {
  if (!real_recv) resolve();
  if (held_back(fd)) return -1;
  return accepted(real_accept(fd, address, length));
}

int epoll_wait(int epoll, struct epoll_event* events, int count, int timeout) {
  if (!real_recv) resolve();
  ++waits_since_accept;
  return real_epoll_wait(epoll, events, count, timeout);
}

int epoll_pwait(int epoll, struct epoll_event* events, int count, int timeout,
                const sigset_t* mask) {
  if (!real_recv) resolve();
  ++waits_since_accept;
  return real_epoll_pwait(epoll, events, count, timeout, mask);
}

ssize_t read(int fd, void* buffer, size_t size) {
  if (!real_recv) resolve();
  touched(fd);
  return real_read(fd, buffer, size);
}

ssize_t readv(int fd, const struct iovec* parts, int count) {
  if (!real_recv) resolve();
  touched(fd);
  return real_readv(fd, parts, count);
}

ssize_t recv(int fd, void* buffer, size_t size, int flags) {
  if (!real_recv) resolve();
  touched(fd);
  return real_recv(fd, buffer, size, flags);
}
