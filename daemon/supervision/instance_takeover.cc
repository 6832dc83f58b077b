// Instance's part in `pm update`: what it exports for the next pmd, and how
// that pmd's Instance takes the running child over (see daemon/takeover.h).

#include <spdlog/spdlog.h>
#include <unistd.h>

#include "daemon/supervision/instance.h"
#include "daemon/supervision/process_stats.h"
#include "daemon/uv/inherit_fd.h"
#include "daemon/uv/now_ms.h"

namespace pm {

using json = nlohmann::json;

json Instance::export_state() const {
  json state{{"id", id_},
             {"index", index_},
             {"state", state_name(state_)},
             {"pid", pid_},
             {"restarts", restarts_},
             {"created_at", created_at_},
             {"uptime_ms", pid_ > 0 ? now_ms(context_.loop) - started_ms_ : 0},
             {"ready_via", ready_via_},
             {"socket_via", socket_via()},
             {"last_exit", last_exit_},
             {"last_error", last_error_},
             {"history", history_},
             {"run_id", run_.run_id},
             {"cgroup", run_.cgroup}};
  if (pid_ > 0) {
    state["out_fd"] = inherit_fd(out_.fd());
    state["err_fd"] = inherit_fd(err_.fd());
    state["channels"] = channels_ ? channels_->export_state() : json::object();
  }
  return state;
}

void Instance::adopt(const json& state) {
  restarts_ = state.value("restarts", 0);
  created_at_ = state.value("created_at", created_at_);
  ready_via_ = state.value("ready_via", "");
  socket_via_ = state.value("socket_via", "");
  last_exit_ = state.value("last_exit", "");
  last_error_ = state.value("last_error", "");
  history_ = state.value("history", json::array());
  // A pmd from before the one notify socket gave each instance its own.
  if (int notify_fd = state.value("notify_fd", -1); notify_fd >= 0) {
    ::close(notify_fd);
    ::unlink(state.value("notify_path", "").c_str());
  }
  pid_ = state.value("pid", 0);
  std::string was = state.value("state", "stopped");
  if (pid_ <= 0) {
    state_ = was == "errored" ? InstanceState::Errored : InstanceState::Stopped;
    if (was == "waiting restart") {
      // Once the app has handed this instance its sockets back.
      state_ = InstanceState::WaitingRestart;
      restart_timer_.start(0, [this] { start(); });
    }
    return;
  }
  run_.leader = pid_;
  run_.group = pid_;
  run_.run_id = state.value("run_id", "");
  run_.cgroup = state.value("cgroup", "");
  start_ticks_ = sample_process(pid_).start_ticks;
  started_ms_ = now_ms(context_.loop) - state.value("uptime_ms", 0ULL);
  if (int fd = state.value("out_fd", -1); fd >= 0) out_.attach(fd);
  if (int fd = state.value("err_fd", -1); fd >= 0) err_.attach(fd);
  channels_ = std::make_unique<ChildChannels>(context_.loop, *spec_, channel_events(),
                                              state.value("channels", json::object()));
  context_.reaper.watch(pid_, [this](int status) { on_exit(status); });
  if (was == "launching") {
    state_ = InstanceState::Launching;
    ready_timer_.start(static_cast<std::uint64_t>(spec_->listen_timeout_ms),
                       [this] { on_ready_timeout(); });
  } else {
    state_ = InstanceState::Online;
  }
  spdlog::info("{}[{}]: took over pid {}", spec_->name, id_, pid_);
}

}  // namespace pm
