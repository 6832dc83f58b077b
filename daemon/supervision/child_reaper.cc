#include "daemon/supervision/child_reaper.h"

#include <sys/wait.h>

#include <csignal>

#include "daemon/uv/close_and_delete.h"

namespace pm {

ChildReaper::ChildReaper(uv_loop_t* loop) : signal_(new uv_signal_t) {
  uv_signal_init(loop, signal_);
  signal_->data = this;
  uv_signal_start(
      signal_, [](uv_signal_t* handle, int) { static_cast<ChildReaper*>(handle->data)->reap(); },
      SIGCHLD);
  // Waiting for children must not keep the loop alive on its own.
  uv_unref(reinterpret_cast<uv_handle_t*>(signal_));
}

ChildReaper::~ChildReaper() {
  close_and_delete(signal_);
}

void ChildReaper::reap() {
  for (;;) {
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    auto it = handlers_.find(pid);
    if (it == handlers_.end()) continue;  // an adopted grandchild
    ExitHandler handler = std::move(it->second);
    handlers_.erase(it);
    handler(status);
  }
}

}  // namespace pm
