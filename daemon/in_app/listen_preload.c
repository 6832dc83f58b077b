/* The preload library pm loads (LD_PRELOAD) into programs that bind their own
 * TCP port. Its bind() asks pmd, over the channel at $PM_LISTEN_FD, for the
 * instance's listening socket (one of the port's SO_REUSEPORT group, which
 * pmd holds and steers) and puts it in place of the program's own, so N
 * instances of an unmodified server share one port. Its listen() tells
 * pmd the instance is ready. Everything else goes to the real libc.
 *
 * Plain C and libc only: it is loaded into programs of any language. */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef int (*bind_fn)(int, const struct sockaddr*, socklen_t);
typedef int (*listen_fn)(int, int);
typedef int (*shutdown_fn)(int, int);

/* Which fds hold a socket that pmd handed over (and what port). */
#define MAX_TRACKED 1024
static int shared_port[MAX_TRACKED];

static int channel_fd(void) {
  const char* text = getenv("PM_LISTEN_FD");
  if (!text) return -1;
  int fd = atoi(text);
  int type = 0;
  socklen_t length = sizeof type;
  /* A program this one started may have reused the number for something else. */
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) != 0 || type != SOCK_SEQPACKET) return -1;
  return fd;
}

static int is_shareable(int fd, const struct sockaddr* address) {
  if (!address || (address->sa_family != AF_INET && address->sa_family != AF_INET6)) return 0;
  int type = 0;
  socklen_t length = sizeof type;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) != 0 || type != SOCK_STREAM) return 0;
  return 1;
}

/* Asks pmd for the shared socket; returns its fd, or -1 with errno set. */
static int request_socket(int channel, const char* host, int port, int v6only) {
  char request[128];
  int n = snprintf(request, sizeof request, "bind %s %d%s", host, port, v6only ? " v6only" : "");
  if (send(channel, request, (size_t)n, MSG_NOSIGNAL) < 0) return -1;

  char reply[512];
  struct iovec io = {reply, sizeof reply - 1};
  union {
    struct cmsghdr header;
    char space[CMSG_SPACE(sizeof(int))];
  } control;
  struct msghdr message;
  memset(&message, 0, sizeof message);
  message.msg_iov = &io;
  message.msg_iovlen = 1;
  message.msg_control = control.space;
  message.msg_controllen = sizeof control.space;
  ssize_t got;
  do {
    got = recvmsg(channel, &message, MSG_CMSG_CLOEXEC);
  } while (got < 0 && errno == EINTR);
  if (got <= 0) {
    errno = ECONNRESET;
    return -1;
  }
  reply[got] = '\0';
  if (strncmp(reply, "ok", 2) == 0) {
    struct cmsghdr* header = CMSG_FIRSTHDR(&message);
    if (header && header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_RIGHTS) {
      int fd;
      memcpy(&fd, CMSG_DATA(header), sizeof fd);
      return fd;
    }
    errno = EPROTO;
    return -1;
  }
  /* "error <errno> <why>": say why on stderr, where the app's log is. */
  int code = atoi(reply + 6);
  const char* why = strchr(reply + 6, ' ');
  fprintf(stderr, "pm: cannot share port %d: %s\n", port, why ? why + 1 : reply);
  errno = code > 0 ? code : EADDRINUSE;
  return -1;
}

int bind(int fd, const struct sockaddr* address, socklen_t length) {
  static bind_fn real_bind;
  if (!real_bind) real_bind = (bind_fn)dlsym(RTLD_NEXT, "bind");
  if (!is_shareable(fd, address)) return real_bind(fd, address, length);
  int channel = channel_fd();
  if (channel < 0) return real_bind(fd, address, length);

  char host[INET6_ADDRSTRLEN] = "";
  int port;
  int v6only = 0;
  if (address->sa_family == AF_INET) {
    const struct sockaddr_in* in4 = (const struct sockaddr_in*)address;
    inet_ntop(AF_INET, &in4->sin_addr, host, sizeof host);
    port = ntohs(in4->sin_port);
  } else {
    const struct sockaddr_in6* in6 = (const struct sockaddr_in6*)address;
    inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
    port = ntohs(in6->sin6_port);
    /* What the program set before bind (nginx's "listen [::]:80" beside
     * "listen 80"): pmd's socket must be the same kind. */
    socklen_t size = sizeof v6only;
    if (getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &size) != 0) v6only = 0;
  }
  if (port == 0) return real_bind(fd, address, length);

  int shared = request_socket(channel, host, port, v6only);
  if (shared < 0) return -1;
  /* Keep what the program chose for its own fd: close-on-exec and blocking mode. */
  int fd_flags = fcntl(fd, F_GETFD);
  int status_flags = fcntl(fd, F_GETFL);
  if (dup2(shared, fd) < 0) {
    int error = errno;
    close(shared);
    errno = error;
    return -1;
  }
  close(shared);
  if (fd_flags >= 0) fcntl(fd, F_SETFD, fd_flags);
  if (status_flags >= 0) fcntl(fd, F_SETFL, status_flags);
  if (fd >= 0 && fd < MAX_TRACKED) shared_port[fd] = port;
  return 0;
}

int listen(int fd, int backlog) {
  static listen_fn real_listen;
  if (!real_listen) real_listen = (listen_fn)dlsym(RTLD_NEXT, "listen");
  int result = real_listen(fd, backlog);
  if (result == 0 && fd >= 0 && fd < MAX_TRACKED && shared_port[fd]) {
    int channel = channel_fd();
    if (channel >= 0) {
      char message[64];
      int n = snprintf(message, sizeof message, "listen %d", shared_port[fd]);
      send(channel, message, (size_t)n, MSG_NOSIGNAL);
    }
  }
  return result;
}

int shutdown(int fd, int how) {
  static shutdown_fn real_shutdown;
  if (!real_shutdown) real_shutdown = (shutdown_fn)dlsym(RTLD_NEXT, "shutdown");
  /* Shutting down the listening socket would stop pmd's copy listening too
   * and lose its queue: only this process lets go of it. */
  if (fd >= 0 && fd < MAX_TRACKED && shared_port[fd]) {
    int listening = 0;
    socklen_t length = sizeof listening;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) == 0 && listening) return 0;
  }
  return real_shutdown(fd, how);
}
