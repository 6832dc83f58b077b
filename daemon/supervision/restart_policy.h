#pragma once
// RestartPolicy: decides what happens after an instance crashes, as PM2
// does with exp_backoff_restart_delay, min_uptime and max_restarts.

#include <cstdint>

namespace pm {

/// What to do after a crash.
struct RestartDecision {
  bool errored = false;  // a crash loop: stop restarting
  int delay_ms = 0;      // wait this long, then restart
};

/// Backoff and crash-loop state of one instance. Owned by its Instance; a
/// manual start or restart resets it.
class RestartPolicy {
 public:
  static constexpr int kBaseDelayMs = 100;
  static constexpr double kFactor = 1.5;
  static constexpr int kMaxDelayMs = 15000;
  static constexpr std::int64_t kResetAfterMs = 30000;

  /// `base_delay_ms` starts the backoff; a non-zero `fixed_delay_ms`
  /// replaces it with a constant delay (PM2's restart_delay).
  RestartPolicy(int min_uptime_ms, int max_restarts, int base_delay_ms = kBaseDelayMs,
                int fixed_delay_ms = 0)
      : min_uptime_ms_(min_uptime_ms),
        max_restarts_(max_restarts),
        base_delay_ms_(base_delay_ms),
        fixed_delay_ms_(fixed_delay_ms) {}

  /// Called when the instance exited on its own after `uptime_ms` running.
  RestartDecision after_crash(std::int64_t uptime_ms);
  /// Called when the child could not even be started for want of
  /// resources: the same backoff, but never a crash loop.
  RestartDecision after_spawn_failure();
  void reset();
  int unstable_restarts() const { return unstable_; }

 private:
  int min_uptime_ms_;
  int max_restarts_;
  int base_delay_ms_;
  int fixed_delay_ms_;
  int attempts_ = 0;
  int unstable_ = 0;
};

}  // namespace pm
