#pragma once
// ListenChannel: pmd's end of the channel the preload library (loaded into
// programs that bind their own port) uses to ask for the instance's socket. A
// SOCK_SEQPACKET socketpair; one request or reply per packet, in text:
//   "bind <host> <port> [v6only]"
//                         → "ok" with the fd (SCM_RIGHTS), or "error <errno> <why>"
//   "listen <port>"       → (no reply) the program is accepting: it is ready

#include <uv.h>

#include <functional>
#include <memory>
#include <string>

#include "common/listen_address.h"
#include "daemon/uv/socket_watch.h"

namespace pm {

/// Owned by an Instance, one per child process.
class ListenChannel {
 public:
  struct Events {
    /// Returns the fd of the shared socket for `address`, or -1 with `error`.
    std::function<int(const ListenAddress& address, std::string& error)> bind;
    std::function<void()> listening;
  };

  /// Takes ownership of `fd`, pmd's end of the socketpair.
  ListenChannel(uv_loop_t* loop, int fd, Events events);
  /// pmd's end of the channel, or -1 once closed.
  int fd() const { return watch_->active() ? watch_->fd() : -1; }

 private:
  void on_readable();
  void reply(const std::string& text, int fd = -1);

  Events events_;
  std::unique_ptr<SocketWatch> watch_;
};

}  // namespace pm
