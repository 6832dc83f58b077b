#pragma once
// TestLoop: a private libuv loop for one test, run until what the test waits
// for has happened, never for a set time.

#include <doctest/doctest.h>
#include <uv.h>

#include <csignal>
#include <cstdint>
#include <functional>
#include <string>

#include "daemon/uv/timer.h"

/// Owned by one test case and declared before everything that uses it, so
/// that at the end libuv can finish closing their handles and the loop can
/// check that none was left open.
class TestLoop {
 public:
  TestLoop() {
    // As in pmd: a write to a peer that has gone is an error, not a signal.
    std::signal(SIGPIPE, SIG_IGN);
    uv_loop_init(&loop_);
  }
  ~TestLoop() {
    // Closing one handle can close another (a cancelled write's carrier).
    for (int round = 0; round < 8 && uv_loop_alive(&loop_); ++round) uv_run(&loop_, UV_RUN_NOWAIT);
    CHECK_MESSAGE(uv_loop_close(&loop_) == 0, "a libuv handle was left open");
  }
  TestLoop(const TestLoop&) = delete;
  TestLoop& operator=(const TestLoop&) = delete;

  uv_loop_t* get() { return &loop_; }

  /// Runs the loop until `done()` holds. A generous deadline only turns a
  /// hang into a failure that names `what` was awaited.
  void run_until(const std::function<bool()>& done, const std::string& what) {
    bool expired = false;
    {
      pm::Timer deadline(&loop_);
      deadline.start(kDeadlineMs, [&expired] { expired = true; });
      while (!done() && !expired) uv_run(&loop_, UV_RUN_ONCE);
    }
    REQUIRE_MESSAGE(done(), "gave up after " << kDeadlineMs / 1000 << " s waiting for " << what);
  }

 private:
  static constexpr std::uint64_t kDeadlineMs = 30000;
  uv_loop_t loop_;
};
