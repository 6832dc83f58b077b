#pragma once
// NotifySocket: an instance's sd_notify socket ($NOTIFY_SOCKET). A program
// that speaks systemd's notify protocol says READY=1 here when it serves.

#include <uv.h>

#include <functional>
#include <memory>
#include <string>

#include "daemon/uv/socket_watch.h"

namespace pm {

/// Owned by an Instance for its whole life; a datagram socket in $PM_HOME.
class NotifySocket {
 public:
  /// Binds at `path`; if that fails, path() is empty and nothing is watched.
  NotifySocket(uv_loop_t* loop, std::string path, std::function<void()> ready);
  ~NotifySocket();
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  /// Takes over a socket already bound at `path` (after `pm update`).
  NotifySocket(uv_loop_t* loop, std::string path, int fd, std::function<void()> ready);
  const std::string& path() const { return path_; }
  int fd() const { return watch_ && watch_->active() ? watch_->fd() : -1; }

 private:
  void on_readable();

  std::string path_;
  std::function<void()> ready_;
  std::unique_ptr<SocketWatch> watch_;
};

}  // namespace pm
