/* Accept pacing, part of the preload library: pm loads it into Node
 * instances with PM_ACCEPT_PACING=1. libuv accepts every connection waiting
 * in a listening socket's queue in one go, and a Node process that dies
 * takes every connection it accepted and had not answered with it. pmd keeps
 * what waits in the kernel for the next instance, so this leaves it there:
 * a thread accepts a new connection only once it has read from the one it
 * accepted last (pmd's TCP_DEFER_ACCEPT means that one came with its
 * request), or closed it, or two turns of its event loop went by without
 * (a client that is slow to speak). A crash then loses the request it was
 * handling and nothing more.
 *
 * Only for event loops that watch the listening socket level-triggered
 * (libuv does): the EAGAIN this returns is only safe when the next wait
 * reports the socket again. So the setting is dropped from the environment
 * at load, and programs this one starts are not paced. */

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

static int pacing;
/* Per thread: each has its own event loop. */
#define PER_THREAD __thread __attribute__((tls_model("initial-exec")))
static PER_THREAD int unread_fd = -1;
static PER_THREAD unsigned waits_since_accept;

__attribute__((constructor)) static void read_setting(void) {
  const char* value = getenv("PM_ACCEPT_PACING");
  pacing = value && strcmp(value, "1") == 0;
  unsetenv("PM_ACCEPT_PACING");
}

static void* next_symbol(const char* name) {
  return dlsym(RTLD_NEXT, name);
}

static int held_back(void) {
  if (!pacing || unread_fd < 0) return 0;
  if (waits_since_accept >= 2) {
    unread_fd = -1;
    return 0;
  }
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
  static int (*real)(int, struct sockaddr*, socklen_t*, int);
  if (!real) real = (int (*)(int, struct sockaddr*, socklen_t*, int))next_symbol("accept4");
  if (held_back()) return -1;
  return accepted(real(fd, address, length, flags));
}

int accept(int fd, struct sockaddr* address, socklen_t* length) {
  static int (*real)(int, struct sockaddr*, socklen_t*);
  if (!real) real = (int (*)(int, struct sockaddr*, socklen_t*))next_symbol("accept");
  /* A blocking accept must not fail for pacing's sake. */
  if ((fcntl(fd, F_GETFL) & O_NONBLOCK) && held_back()) return -1;
  return accepted(real(fd, address, length));
}

int epoll_wait(int epoll, struct epoll_event* events, int count, int timeout) {
  static int (*real)(int, struct epoll_event*, int, int);
  if (!real) real = (int (*)(int, struct epoll_event*, int, int))next_symbol("epoll_wait");
  ++waits_since_accept;
  return real(epoll, events, count, timeout);
}

int epoll_pwait(int epoll, struct epoll_event* events, int count, int timeout,
                const sigset_t* mask) {
  static int (*real)(int, struct epoll_event*, int, int, const sigset_t*);
  if (!real)
    real = (int (*)(int, struct epoll_event*, int, int, const sigset_t*))next_symbol("epoll_pwait");
  ++waits_since_accept;
  return real(epoll, events, count, timeout, mask);
}

ssize_t read(int fd, void* buffer, size_t size) {
  static ssize_t (*real)(int, void*, size_t);
  if (!real) real = (ssize_t(*)(int, void*, size_t))next_symbol("read");
  touched(fd);
  return real(fd, buffer, size);
}

ssize_t readv(int fd, const struct iovec* parts, int count) {
  static ssize_t (*real)(int, const struct iovec*, int);
  if (!real) real = (ssize_t(*)(int, const struct iovec*, int))next_symbol("readv");
  touched(fd);
  return real(fd, parts, count);
}

ssize_t recv(int fd, void* buffer, size_t size, int flags) {
  static ssize_t (*real)(int, void*, size_t, int);
  if (!real) real = (ssize_t(*)(int, void*, size_t, int))next_symbol("recv");
  touched(fd);
  return real(fd, buffer, size, flags);
}

int close(int fd) {
  static int (*real)(int);
  if (!real) real = (int (*)(int))next_symbol("close");
  touched(fd);
  return real(fd);
}
