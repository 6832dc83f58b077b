#include "daemon/sockets/notify_socket.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pm {

NotifySocket::NotifySocket(uv_loop_t* loop, std::string path, Ready ready)
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
  watch(loop, fd);
}

NotifySocket::NotifySocket(uv_loop_t* loop, std::string path, int fd, Ready ready)
    : path_(std::move(path)), ready_(std::move(ready)) {
  watch(loop, fd);
}

NotifySocket::~NotifySocket() {
  watch_.reset();
  if (!path_.empty()) ::unlink(path_.c_str());
}

void NotifySocket::watch(uv_loop_t* loop, int fd) {
  // The kernel then attaches the sender's credentials to every datagram.
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
  watch_ = std::make_unique<SocketWatch>(loop, fd, [this] { on_readable(); });
}

void NotifySocket::on_readable() {
  char datagram[4096];
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
  for (;;) {
    iovec data{datagram, sizeof datagram - 1};
    msghdr message{};
    message.msg_iov = &data;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    ssize_t n = ::recvmsg(watch_->fd(), &message, MSG_CMSG_CLOEXEC);
    if (n < 0) return;
    pid_t sender = 0;
    for (cmsghdr* header = CMSG_FIRSTHDR(&message); header;
         header = CMSG_NXTHDR(&message, header)) {
      if (header->cmsg_level != SOL_SOCKET) continue;
      if (header->cmsg_type == SCM_CREDENTIALS) {
        ucred credentials{};
        std::memcpy(&credentials, CMSG_DATA(header), sizeof credentials);
        sender = credentials.pid;
      } else if (header->cmsg_type == SCM_RIGHTS) {
        // Nobody may park fds in pmd this way.
        std::size_t count = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (std::size_t i = 0; i < count; ++i) {
          int fd;
          std::memcpy(&fd, CMSG_DATA(header) + i * sizeof fd, sizeof fd);
          ::close(fd);
        }
      }
    }
    if (sender <= 0) continue;
    datagram[n] = '\0';
    // Newline-separated assignments; only READY=1 matters to pm.
    char* rest = nullptr;
    for (char* line = ::strtok_r(datagram, "\n", &rest); line;
         line = ::strtok_r(nullptr, "\n", &rest))
      if (std::strcmp(line, "READY=1") == 0) ready_(sender);
  }
}

}  // namespace pm
