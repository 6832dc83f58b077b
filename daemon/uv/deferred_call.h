#pragma once
// DeferredCall: a callback that runs later on the same turn of the loop,
// after the I/O callbacks (a uv_check handle; a uv_idle handle keeps the
// loop from blocking until then), once however often it was asked for. What
// it runs is never inside the call that asked, so it may delete the asker.

#include <uv.h>

#include <functional>

namespace pm {

/// Owned by whoever reacts to the requests.
class DeferredCall {
 public:
  DeferredCall(uv_loop_t* loop, std::function<void()> run)
      : check_(new uv_check_t), idle_(new uv_idle_t), run_(std::move(run)) {
    uv_check_init(loop, check_);
    uv_idle_init(loop, idle_);
    check_->data = this;
  }
  ~DeferredCall() {
    check_->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(check_),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_check_t*>(h); });
    uv_close(reinterpret_cast<uv_handle_t*>(idle_),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_idle_t*>(h); });
  }
  DeferredCall(const DeferredCall&) = delete;
  DeferredCall& operator=(const DeferredCall&) = delete;

  /// Asks for one run; asking again before it ran changes nothing. Asked
  /// from inside the run, it runs again on the next turn.
  void request() {
    uv_check_start(check_, &DeferredCall::on_check);
    // An active idle handle makes the loop poll without blocking.
    uv_idle_start(idle_, [](uv_idle_t*) {});
  }

 private:
  static void on_check(uv_check_t* handle) {
    auto* self = static_cast<DeferredCall*>(handle->data);
    if (!self) return;
    uv_check_stop(self->check_);
    uv_idle_stop(self->idle_);
    self->run_();
  }

  uv_check_t* check_;
  uv_idle_t* idle_;
  std::function<void()> run_;
};

}  // namespace pm
