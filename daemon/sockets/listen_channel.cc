#include "daemon/sockets/listen_channel.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "common/user_error.h"

namespace pm {

ListenChannel::ListenChannel(uv_loop_t* loop, int fd, Events events)
    : events_(std::move(events)),
      watch_(std::make_unique<SocketWatch>(loop, fd, [this] { on_readable(); })) {}

void ListenChannel::on_readable() {
  char packet[512];
  ssize_t n = ::recv(watch_->fd(), packet, sizeof packet - 1, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) {
    watch_->stop();  // every process holding the other end is gone
    return;
  }
  packet[n] = '\0';
  std::istringstream words(packet);
  std::string op, host;
  int port = -1;
  words >> op;
  if (op == "bind") {
    words >> host >> port;
    if (port < 0) {
      reply("error 22 malformed bind request");
      return;
    }
    std::string flag;
    words >> flag;
    ListenAddress address;
    address.v6only = host == "::" && flag == "v6only";
    address.host = host == "::" && !address.v6only ? "" : host;
    address.port = port;
    std::string error;
    int fd = events_.bind ? events_.bind(address, error) : -1;
    if (fd < 0) {
      int code = error.find("in use") != std::string::npos       ? EADDRINUSE
                 : error.find("permission") != std::string::npos ? EACCES
                                                                 : EADDRNOTAVAIL;
      reply("error " + std::to_string(code) + " " + error);
    } else {
      reply("ok", fd);
    }
  } else if (op == "listen") {
    if (events_.listening) events_.listening();
  } else {
    spdlog::warn("listen channel: unknown request \"{}\"", op);
  }
}

void ListenChannel::reply(const std::string& text, int fd) {
  iovec io{const_cast<char*>(text.data()), text.size()};
  msghdr message{};
  message.msg_iov = &io;
  message.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  if (fd >= 0) {
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    cmsghdr* header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(header), &fd, sizeof fd);
  }
  if (::sendmsg(watch_->fd(), &message, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
    spdlog::warn("listen channel: cannot reply: {}", std::strerror(errno));
}

}  // namespace pm
