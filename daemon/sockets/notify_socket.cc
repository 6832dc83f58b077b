#include "daemon/sockets/notify_socket.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pm {

NotifySocket::NotifySocket(uv_loop_t* loop, std::string path, std::function<void()> ready)
    : path_(std::move(path)), ready_(std::move(ready)) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0 || path_.size() >= sizeof address.sun_path) {
    if (fd >= 0) ::close(fd);
    path_.clear();
    return;
  }
  std::memcpy(address.sun_path, path_.c_str(), path_.size() + 1);
  ::unlink(path_.c_str());
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    spdlog::warn("cannot bind notify socket {}: {}", path_, std::strerror(errno));
    ::close(fd);
    path_.clear();
    return;
  }
  watch_ = std::make_unique<SocketWatch>(loop, fd, [this] { on_readable(); });
}

NotifySocket::~NotifySocket() {
  watch_.reset();
  if (!path_.empty()) ::unlink(path_.c_str());
}

void NotifySocket::on_readable() {
  char datagram[4096];
  for (;;) {
    ssize_t n = ::recv(watch_->fd(), datagram, sizeof datagram - 1, 0);
    if (n <= 0) return;
    datagram[n] = '\0';
    // Newline-separated assignments; only READY=1 matters to pm.
    char* rest = nullptr;
    for (char* line = ::strtok_r(datagram, "\n", &rest); line;
         line = ::strtok_r(nullptr, "\n", &rest))
      if (std::strcmp(line, "READY=1") == 0 && ready_) ready_();
  }
}

NotifySocket::NotifySocket(uv_loop_t* loop, std::string path, int fd, std::function<void()> ready)
    : path_(std::move(path)), ready_(std::move(ready)) {
  watch_ = std::make_unique<SocketWatch>(loop, fd, [this] { on_readable(); });
}

}  // namespace pm
