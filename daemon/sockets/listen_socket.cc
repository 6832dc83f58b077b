#include "daemon/sockets/listen_socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "common/user_error.h"

namespace pm {

int listen_backlog() {
  static const int backlog = [] {
    int value = 0;
    std::ifstream("/proc/sys/net/core/somaxconn") >> value;
    return value > 0 ? value : 4096;
  }();
  return backlog;
}

namespace {

[[noreturn]] void bind_failed(const ListenAddress& address, int error) {
  std::string where = address.display();
  switch (error) {
    case EADDRINUSE:
      throw UserError("address " + where +
                      " is already in use by another program; stop it or choose another port");
    case EACCES:
      throw UserError("permission denied binding " + where +
                      (address.kind == ListenAddress::Kind::Tcp && address.port < 1024
                           ? " (ports below 1024 need root or CAP_NET_BIND_SERVICE)"
                           : ""));
    case EADDRNOTAVAIL:
      throw UserError("cannot listen on " + where + ": not an address of this machine");
    default:
      throw UserError("cannot listen on " + where + ": " + std::strerror(error));
  }
}

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family = AF_INET6;
};

SocketAddress socket_address(const ListenAddress& address, int port) {
  SocketAddress result;
  if (address.host.empty() || address.host.find(':') != std::string::npos) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&result.storage);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(static_cast<uint16_t>(port));
    if (address.host.empty())
      in6->sin6_addr = in6addr_any;
    else
      inet_pton(AF_INET6, address.host.c_str(), &in6->sin6_addr);
    result.length = sizeof *in6;
  } else {
    result.family = AF_INET;
    auto* in4 = reinterpret_cast<sockaddr_in*>(&result.storage);
    in4->sin_family = AF_INET;
    in4->sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, address.host.c_str(), &in4->sin_addr);
    result.length = sizeof *in4;
  }
  return result;
}

/// A bound TCP socket, or -1 with errno; SO_REUSEPORT when `reuseport`.
int bind_tcp(const ListenAddress& address, int port, bool reuseport) {
  SocketAddress where = socket_address(address, port);
  int fd = ::socket(where.family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (reuseport) ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on);
  if (where.family == AF_INET6) {
    // Every address means IPv6 and IPv4, unless the program asked otherwise.
    int v6only = address.v6only ? 1 : 0;
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&where.storage), where.length) != 0) {
    int error = errno;
    ::close(fd);
    errno = error;
    return -1;
  }
  return fd;
}

}  // namespace

int bound_port(int fd) {
  sockaddr_storage bound{};
  socklen_t length = sizeof bound;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) != 0) return 0;
  if (bound.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
  if (bound.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  return 0;
}

int open_tcp_listener(const ListenAddress& address, int port, bool first) {
  if (first) {
    // SO_REUSEPORT would let pmd join a group another program of this user
    // listens in; a plain bind first says whether the port is free.
    int probe = bind_tcp(address, port, false);
    if (probe < 0 && errno == EAFNOSUPPORT && address.host.empty()) {
      // No IPv6 on this machine: every address means every IPv4 address.
      ListenAddress v4 = address;
      v4.host = "0.0.0.0";
      return open_tcp_listener(v4, port, first);
    }
    if (probe < 0) bind_failed(address, errno);
    port = bound_port(probe);
    ::close(probe);
  }
  int fd = bind_tcp(address, port, true);
  if (fd < 0) bind_failed(address, errno);
  int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  if (::listen(fd, listen_backlog()) != 0) {
    int error = errno;
    ::close(fd);
    bind_failed(address, error);
  }
  return fd;
}

int open_unix_listener(const ListenAddress& address) {
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  if (address.path.size() >= sizeof un.sun_path)
    throw UserError("socket path is too long: " + address.path);
  std::memcpy(un.sun_path, address.path.c_str(), address.path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) bind_failed(address, errno);
  struct stat st {};
  if (::lstat(address.path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) {
    // A socket file nobody answers on is left over from a crash: reuse it.
    int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool live = ::connect(probe, reinterpret_cast<sockaddr*>(&un), sizeof un) == 0;
    ::close(probe);
    if (live) {
      ::close(fd);
      bind_failed(address, EADDRINUSE);
    }
    ::unlink(address.path.c_str());
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&un), sizeof un) != 0 ||
      ::listen(fd, listen_backlog()) != 0) {
    int error = errno;
    ::close(fd);
    bind_failed(address, error);
  }
  return fd;
}

}  // namespace pm
