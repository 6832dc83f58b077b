// Instance's graceful stop: the drain (new connections steered to the other
// instances, then the wait for its accept queue to empty) and the stop
// signal, message or cluster disconnect that follows (see RunStop).

#include <spdlog/spdlog.h>

#include "common/signal_names.h"
#include "daemon/supervision/instance.h"
#include "daemon/uv/now_ms.h"

namespace pm {

void Instance::stop(bool leaving) {
  switch (state_) {
    case InstanceState::Stopped:
    case InstanceState::Errored:
    case InstanceState::WaitingRestart:
      restart_timer_.stop();
      if (state_ == InstanceState::WaitingRestart) set_state(InstanceState::Stopped);
      return;
    case InstanceState::Stopping:
      return;
    case InstanceState::Launching:
    case InstanceState::Online:
      break;
  }
  ready_timer_.stop();
  leaving_ = leaving;
  bool others = listeners_.others_accepting(this);
  bool drain = state_ == InstanceState::Online && (others || (leaving && listeners_.tcp(this)));
  state_ = InstanceState::Stopping;
  notify_changed();  // the next reconcile pass steers new connections away
  if (!drain) {
    signal_stop();
    return;
  }
  // A whole app stops at once: others accept now, but not for long.
  spdlog::info(
      "{}[{}]: draining pid {}: new connections {}", spec_->name, id_, pid_,
      leaving ? "go to the other instances, if any still accepts" : "go to the other instances");
  drain_started_ms_ = now_ms(context_.loop);
  drain_progress_ms_ = drain_started_ms_;
  drain_queued_ = 0;
  drain_half_open_.clear();
  half_open_pending_ = spec_->defer_accept;
  drain_timer_.start(
      kDrainPollMs, [this] { check_drain(); }, kDrainPollMs);
}

void Instance::check_drain() {
  // Done once its accept queue is empty, and has had time to be: a
  // handshake that began before the steering changed ends in this queue.
  std::uint64_t now = now_ms(context_.loop);
  std::uint64_t waited = now - drain_started_ms_;
  if (half_open_pending_) {
    // Taken now, once the reconcile pass has steered new connections away:
    // what is half-open on the port from here on began before that.
    half_open_pending_ = false;
    drain_half_open_ = listeners_.half_open(this);
    half_open_checked_ms_ = now;
  }
  // Half-open first: a handshake that ends meanwhile is in the queue read next.
  bool half_open = half_open_left();
  int queued = listeners_.queued(this);
  bool drained = queued == 0 && waited >= kDrainSettleMs && !half_open;
  // While the instance takes from its queue, the drain goes on: what landed
  // late (a slow client, a loaded machine) is served rather than reset. It
  // gives up on a queue that nobody took from for the kill timeout.
  if (queued == 0 || queued < drain_queued_) drain_progress_ms_ = now;
  drain_queued_ = queued;
  auto timeout = static_cast<std::uint64_t>(spec_->kill_timeout_ms);
  bool given_up = queued > 0 ? now - drain_progress_ms_ >= timeout : waited >= timeout;
  // Every other instance stopped meanwhile (a restart of them all): nowhere
  // to steer to. When the app leaves, new connections are turned away instead.
  if (!drained && !given_up && pid_ > 0 && (leaving_ || listeners_.others_accepting(this))) return;
  drain_timer_.stop();
  if (given_up && queued > 0)
    spdlog::warn(
        "{}[{}]: {} connection(s) still queued, none taken for {} ms; stopping pid {} anyway",
        spec_->name, id_, queued, now - drain_progress_ms_, pid_);
  signal_stop();
}

bool Instance::half_open_left() {
  // The pass that sees the last one go still says yes: its connection may
  // be on its way into the queue, which the next pass reads.
  if (drain_half_open_.empty()) return false;
  std::uint64_t now = now_ms(context_.loop);
  if (now - half_open_checked_ms_ >= kHalfOpenPollMs) {
    half_open_checked_ms_ = now;
    std::set<std::string> still = listeners_.half_open(this);
    for (auto it = drain_half_open_.begin(); it != drain_half_open_.end();)
      it = still.count(*it) ? std::next(it) : drain_half_open_.erase(it);
  }
  return true;
}

void Instance::signal_stop() {
  run_stop_.wait(
      run_, signal_number(spec_->kill_signal), spec_->kill_timeout_ms, [this] { return pid_; },
      [this] {
        run_ = RunProcesses();
        set_state(InstanceState::Stopped);
      });
  if (pid_ <= 0) return;  // it exited while draining
  if (spec_->shutdown_with_message && send_message("shutdown")) {
    spdlog::info("{}[{}]: stopping pid {} with the message \"shutdown\"", spec_->name, id_, pid_);
  } else if (channels_ && channels_->disconnect()) {
    // The cluster's graceful stop: the worker closes its servers, finishes
    // what it accepted, then closes its channel; only then the kill signal,
    // once (see events.node_closed), which the app's handler sees as under PM2.
    spdlog::info("{}[{}]: stopping pid {} with the cluster disconnect", spec_->name, id_, pid_);
  } else {
    spdlog::info("{}[{}]: stopping pid {} with {}", spec_->name, id_, pid_, spec_->kill_signal);
    run_stop_.signal_all();
  }
}

}  // namespace pm
