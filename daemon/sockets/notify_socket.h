#pragma once
// NotifySocket: pmd's sd_notify socket ($NOTIFY_SOCKET), one for every
// instance. A program that speaks systemd's notify protocol says READY=1
// here when it serves; the kernel tells which process sent it, as systemd
// learns it, so one socket serves every instance and costs one fd in all.

#include <sys/types.h>
#include <uv.h>

#include <functional>
#include <memory>
#include <string>

#include "daemon/uv/socket_watch.h"

namespace pm {

/// Owned by the Daemon; a datagram socket in $PM_HOME/notify.
class NotifySocket {
 public:
  /// Called with the pid of the process that said READY=1.
  using Ready = std::function<void(pid_t sender)>;

  /// Binds at `path`; if that fails, path() is empty and nothing is watched.
  NotifySocket(uv_loop_t* loop, std::string path, Ready ready);
  /// Takes over a socket already bound at `path` (after `pm update`).
  NotifySocket(uv_loop_t* loop, std::string path, int fd, Ready ready);
  ~NotifySocket();
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  const std::string& path() const { return path_; }
  int fd() const { return watch_ && watch_->active() ? watch_->fd() : -1; }

 private:
  void watch(uv_loop_t* loop, int fd);
  void on_readable();

  std::string path_;
  Ready ready_;
  std::unique_ptr<SocketWatch> watch_;
};

}  // namespace pm
