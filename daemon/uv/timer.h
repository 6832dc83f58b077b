#pragma once
// Timer: a libuv timer, one-shot or repeating, owned by one object; its
// callback never runs once the owner has destroyed it.

#include <uv.h>

#include <cstdint>
#include <functional>

#include "daemon/uv/close_and_delete.h"

namespace pm {

/// A restartable timer on the daemon's loop, owned by the object whose
/// callback it runs.
class Timer {
 public:
  explicit Timer(uv_loop_t* loop) : handle_(new uv_timer_t) {
    uv_timer_init(loop, handle_);
    handle_->data = this;
  }
  ~Timer() { close_and_delete(handle_); }
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  /// Calls `fire` after `ms`, then every `repeat_ms` if non-zero. Replaces any
  /// pending call.
  void start(std::uint64_t ms, std::function<void()> fire, std::uint64_t repeat_ms = 0) {
    fire_ = std::move(fire);
    uv_timer_start(handle_, &Timer::on_fire, ms, repeat_ms);
  }
  void stop() { uv_timer_stop(handle_); }
  bool active() const { return uv_is_active(reinterpret_cast<const uv_handle_t*>(handle_)); }
  /// Lets the loop exit while only this timer is pending.
  void unref() { uv_unref(reinterpret_cast<uv_handle_t*>(handle_)); }

 private:
  static void on_fire(uv_timer_t* handle) {
    auto* self = static_cast<Timer*>(handle->data);
    if (!self) return;
    // Copy: the callback may restart or destroy this timer.
    auto fire = self->fire_;
    fire();
  }

  uv_timer_t* handle_;
  std::function<void()> fire_;
};

}  // namespace pm
