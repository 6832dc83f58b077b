#include "daemon/sockets/shared_listener.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
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

int bind_tcp(const ListenAddress& address) {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family = AF_INET6;
  if (address.host.empty() || address.host.find(':') != std::string::npos) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(static_cast<uint16_t>(address.port));
    if (address.host.empty())
      in6->sin6_addr = in6addr_any;
    else
      inet_pton(AF_INET6, address.host.c_str(), &in6->sin6_addr);
    length = sizeof *in6;
  } else {
    family = AF_INET;
    auto* in4 = reinterpret_cast<sockaddr_in*>(&storage);
    in4->sin_family = AF_INET;
    in4->sin_port = htons(static_cast<uint16_t>(address.port));
    inet_pton(AF_INET, address.host.c_str(), &in4->sin_addr);
    length = sizeof *in4;
  }
  int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 && family == AF_INET6 && address.host.empty()) {
    // No IPv6 on this machine: every address means every IPv4 address.
    ListenAddress v4 = address;
    v4.host = "0.0.0.0";
    return bind_tcp(v4);
  }
  if (fd < 0) bind_failed(address, errno);
  int on = 1, off = 0;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (family == AF_INET6 && address.host.empty())
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&storage), length) != 0) {
    int error = errno;
    ::close(fd);
    bind_failed(address, error);
  }
  return fd;
}

int bind_unix(const ListenAddress& address) {
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
  if (::bind(fd, reinterpret_cast<sockaddr*>(&un), sizeof un) != 0) {
    int error = errno;
    ::close(fd);
    bind_failed(address, error);
  }
  return fd;
}

}  // namespace

SharedListener::SharedListener(const ListenAddress& address) : address_(address) {
  fd_ = address.kind == ListenAddress::Kind::Tcp ? bind_tcp(address) : bind_unix(address);
  if (::listen(fd_, listen_backlog()) != 0) {
    int error = errno;
    ::close(fd_);
    bind_failed(address, error);
  }
  port_ = address.port;
  sockaddr_storage bound{};
  socklen_t length = sizeof bound;
  if (address.kind == ListenAddress::Kind::Tcp &&
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&bound), &length) == 0) {
    port_ = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                        : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  }
}

SharedListener::~SharedListener() {
  if (fd_ >= 0) ::close(fd_);
  if (address_.kind == ListenAddress::Kind::Unix) ::unlink(address_.path.c_str());
}

void SharedListener::restore_backlog() {
  ::listen(fd_, listen_backlog());
}

}  // namespace pm
