#pragma once
// SocketWatch: calls back when a raw socket (datagram or seqpacket, which
// libuv streams do not speak) has something to read. Closes the fd with it.

#include <unistd.h>
#include <uv.h>

#include <functional>

#include "daemon/uv/close_and_delete.h"

namespace pm {

/// Owned by whoever owns the socket.
class SocketWatch {
 public:
  SocketWatch(uv_loop_t* loop, int fd, std::function<void()> readable)
      : fd_(fd), readable_(std::move(readable)), poll_(new uv_poll_t) {
    uv_poll_init(loop, poll_, fd);
    poll_->data = this;
    uv_poll_start(poll_, UV_READABLE | UV_DISCONNECT, [](uv_poll_t* poll, int, int) {
      auto* self = static_cast<SocketWatch*>(poll->data);
      if (self) self->readable_();
    });
  }
  ~SocketWatch() { stop(); }
  SocketWatch(const SocketWatch&) = delete;
  SocketWatch& operator=(const SocketWatch&) = delete;

  int fd() const { return fd_; }
  /// Stops watching and closes the socket.
  void stop() {
    if (!poll_) return;
    close_and_delete(poll_);
    poll_ = nullptr;
    ::close(fd_);
  }
  bool active() const { return poll_ != nullptr; }

 private:
  int fd_;
  std::function<void()> readable_;
  uv_poll_t* poll_;
};

}  // namespace pm
