#include "daemon/supervision/restart_policy.h"

#include <algorithm>
#include <cmath>

namespace pm {

RestartDecision RestartPolicy::after_crash(std::int64_t uptime_ms) {
  // A long, healthy run means the next crash starts the backoff afresh.
  if (uptime_ms >= kResetAfterMs) attempts_ = 0;
  if (uptime_ms < min_uptime_ms_)
    ++unstable_;
  else
    unstable_ = 0;

  RestartDecision decision;
  // As PM2: the max_restarts-th short run in a row is the last.
  if (unstable_ >= max_restarts_) {
    decision.errored = true;
    return decision;
  }
  if (fixed_delay_ms_ > 0) {
    decision.delay_ms = fixed_delay_ms_;
    return decision;
  }
  return after_spawn_failure();
}

RestartDecision RestartPolicy::after_spawn_failure() {
  RestartDecision decision;
  double delay = base_delay_ms_ * std::pow(kFactor, attempts_);
  decision.delay_ms = static_cast<int>(std::min<double>(delay, kMaxDelayMs));
  if (decision.delay_ms < kMaxDelayMs) ++attempts_;
  return decision;
}

void RestartPolicy::reset() {
  attempts_ = 0;
  unstable_ = 0;
}

}  // namespace pm
