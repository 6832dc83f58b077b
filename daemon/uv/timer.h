#pragma once
// Timer: a one-shot libuv timer owned by one object. The uv handle lives on
// the heap because libuv closes handles asynchronously, after the owner may
// already be gone.

#include <uv.h>

#include <functional>

namespace pm {

/// A restartable one-shot (or repeating) timer on the daemon's loop.
class Timer {
 public:
  explicit Timer(uv_loop_t* loop) : handle_(new uv_timer_t) {
    uv_timer_init(loop, handle_);
    handle_->data = this;
  }
  ~Timer() {
    handle_->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(handle_),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
  }
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
