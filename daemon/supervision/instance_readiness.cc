// Instance's readiness: the signals that move a launching instance online,
// the listen timeout, and the probe connection that tells a --listen
// program's first accept (see ReadinessProbe).

#include <spdlog/spdlog.h>

#include "daemon/supervision/instance.h"

namespace pm {

void Instance::start_probe() {
  if (spec_->wait_ready) return;
  for (const auto& text : spec_->listen) {
    ListenAddress address = ListenAddress::parse(text);
    if (address.kind != ListenAddress::Kind::Tcp) continue;
    try {
      probe_ = std::make_unique<ReadinessProbe>(address, listeners_.bind(address).port());
    } catch (const std::exception& error) {
      spdlog::warn("{}[{}]: no readiness probe: {}", spec_->name, id_, error.what());
      return;
    }
    probe_connected_ = false;
    probe_timer_.start(
        kProbePollMs, [this] { check_probe(); }, kProbePollMs);
    notify_changed();  // the steering learns the probe's port
    return;
  }
}

void Instance::check_probe() {
  if (state_ != InstanceState::Launching || pid_ <= 0) return end_probe();
  if (!probe_->connecting()) {
    if (listeners_.steers_probe(probe_->source_port())) probe_->connect();
    return;
  }
  if (!probe_->connected()) return;
  if (!probe_connected_) {
    // One more poll: the handshake's last step reaches the queue by then.
    probe_connected_ = true;
    return;
  }
  if (listeners_.queued(this) > 0) return;
  end_probe();
  mark_ready("its first accept (pmd's probe connection)");
}

void Instance::end_probe() {
  if (!probe_) return;
  probe_timer_.stop();
  probe_.reset();
  notify_changed();
}

void Instance::mark_ready(const char* via) {
  if (state_ != InstanceState::Launching) return;
  ready_timer_.stop();
  end_probe();
  ready_via_ = via;
  spdlog::info("{}[{}]: ready ({})", spec_->name, id_, via);
  set_state(InstanceState::Online);
}

void Instance::on_ready_timeout() {
  if (state_ != InstanceState::Launching) return;
  if (spec_->wait_ready) {
    ready_timed_out_ = true;
    last_error_ = "no ready signal within " + std::to_string(spec_->listen_timeout_ms) +
                  " ms (--wait-ready wants process.send('ready') or sd_notify READY=1)";
    spdlog::warn("{}[{}]: {}", spec_->name, id_, last_error_);
    notify_changed();
    return;
  }
  mark_ready("no signal within listen_timeout");
}

}  // namespace pm
