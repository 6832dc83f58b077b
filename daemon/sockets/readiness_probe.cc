#include "daemon/sockets/readiness_probe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace pm {

namespace {

/// Where on this machine `address` can be reached: its own host, or
/// loopback for "every address".
sockaddr_storage target_of(const ListenAddress& address, int port, int& family) {
  sockaddr_storage storage{};
  bool v6 = address.v6only || address.host.find(':') != std::string::npos;
  if (v6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(static_cast<std::uint16_t>(port));
    if (address.host == "::" || address.host.empty())
      in6->sin6_addr = in6addr_loopback;
    else
      inet_pton(AF_INET6, address.host.c_str(), &in6->sin6_addr);
    family = AF_INET6;
  } else {
    auto* in4 = reinterpret_cast<sockaddr_in*>(&storage);
    in4->sin_family = AF_INET;
    in4->sin_port = htons(static_cast<std::uint16_t>(port));
    if (address.host.empty() || address.host == "0.0.0.0")
      in4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    else
      inet_pton(AF_INET, address.host.c_str(), &in4->sin_addr);
    family = AF_INET;
  }
  return storage;
}

socklen_t length_of(int family) {
  return family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
}

}  // namespace

ReadinessProbe::ReadinessProbe(const ListenAddress& address, int port) {
  sockaddr_storage target = target_of(address, port, family_);
  fd_ = ::socket(family_, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "probe socket");
  // From the address it connects to, on a port of its own: the steering
  // knows it by that port before the first packet leaves.
  sockaddr_storage source = target;
  if (family_ == AF_INET6)
    reinterpret_cast<sockaddr_in6*>(&source)->sin6_port = 0;
  else
    reinterpret_cast<sockaddr_in*>(&source)->sin_port = 0;
  sockaddr_storage bound{};
  socklen_t length = sizeof bound;
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&source), length_of(family_)) != 0 ||
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&bound), &length) != 0) {
    int error = errno;
    ::close(fd_);
    throw std::system_error(error, std::generic_category(), "probe bind");
  }
  source_port_ = ntohs(family_ == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                           : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  target_ = target;
}

ReadinessProbe::~ReadinessProbe() {
  if (fd_ >= 0) ::close(fd_);
}

void ReadinessProbe::connect() {
  connecting_ = true;
  ::connect(fd_, reinterpret_cast<const sockaddr*>(&target_), length_of(family_));
}

bool ReadinessProbe::connected() const {
  int error = 0;
  socklen_t length = sizeof error;
  sockaddr_storage peer{};
  socklen_t peer_length = sizeof peer;
  return connecting_ && ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length) == 0 &&
         error == 0 && ::getpeername(fd_, reinterpret_cast<sockaddr*>(&peer), &peer_length) == 0;
}

}  // namespace pm
