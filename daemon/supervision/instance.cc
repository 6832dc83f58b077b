#include "daemon/supervision/instance.h"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <system_error>

#include "common/signal_names.h"
#include "common/user_error.h"
#include "daemon/uv/inherit_fd.h"

namespace pm {

using json = nlohmann::json;

namespace {

std::uint64_t now_ms(uv_loop_t* loop) {
  uv_update_time(loop);
  return uv_now(loop);
}

std::int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

bool group_alive(pid_t group) {
  return group > 0 && ::kill(-group, 0) == 0;
}

// How often a stopping instance checks whether its process group is empty.
constexpr std::uint64_t kGroupPollMs = 10;
// After SIGKILL, how long to wait for the group to vanish before giving up on it.
constexpr std::uint64_t kAfterKillMs = 5000;

}  // namespace

const char* state_name(InstanceState state) {
  switch (state) {
    case InstanceState::Launching:
      return "launching";
    case InstanceState::Online:
      return "online";
    case InstanceState::Stopping:
      return "stopping";
    case InstanceState::Stopped:
      return "stopped";
    case InstanceState::WaitingRestart:
      return "waiting restart";
    case InstanceState::Errored:
      return "errored";
  }
  return "unknown";
}

Instance::Instance(InstanceContext& context, int id, int index, std::shared_ptr<const AppSpec> spec,
                   ListenerSet& listeners, const json* adopted)
    : context_(context),
      id_(id),
      index_(index),
      spec_(std::move(spec)),
      listeners_(listeners),
      created_at_(wall_ms()),
      policy_(spec_->min_uptime_ms, spec_->max_restarts, spec_->exp_backoff_restart_delay_ms,
              spec_->restart_delay_ms),
      out_(context.loop, context.bus, id, spec_->name, "out",
           context.log_files.open(context.paths, *spec_, id, "out"), spec_->log_date_format),
      err_(context.loop, context.bus, id, spec_->name, "err",
           context.log_files.open(context.paths, *spec_, id, "err"), spec_->log_date_format),
      ready_timer_(context.loop),
      restart_timer_(context.loop),
      kill_timer_(context.loop) {
  if (adopted) {
    adopt(*adopted);
    return;
  }
  // Unique per object: during a reload the old and new instance of a slot
  // (same id) both have one.
  static unsigned serial = 0;
  notify_ = std::make_unique<NotifySocket>(context.loop,
                                           context.paths.notify_dir() + "/" + std::to_string(id) +
                                               "-" + std::to_string(++serial) + ".sock",
                                           [this] { mark_ready("sd_notify READY=1"); });
}

Instance::~Instance() {
  if (pid_ > 0) {
    context_.reaper.forget(pid_);
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
  }
}

std::vector<std::string> Instance::child_env() const {
  std::vector<std::string> env;
  for (const auto& [key, value] : spec_->env) {
    if (key == "PM_ID" || key == "PM_APP_NAME" || key == spec_->instance_var || key == "pm_id")
      continue;
    env.push_back(key + "=" + value);
  }
  env.push_back("PM_ID=" + std::to_string(id_));
  env.push_back("pm_id=" + std::to_string(id_));
  env.push_back("PM_APP_NAME=" + spec_->name);
  env.push_back(spec_->instance_var + "=" + std::to_string(index_));
  return env;
}

void Instance::start() {
  if (pid_ > 0 || state_ == InstanceState::Stopping) return;
  restart_timer_.stop();
  policy_.reset();
  spawn();
}

int Instance::share_socket(const ListenAddress& address, std::string& error) {
  try {
    return listeners_.acquire(address).fd();
  } catch (const UserError& failure) {
    error = failure.what();
    last_error_ = error;
    spdlog::error("{}[{}]: {}", spec_->name, id_, error);
    return -1;
  }
}

void Instance::spawn() {
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    last_error_ = std::string("cannot create a pipe: ") + std::strerror(errno);
    set_state(InstanceState::Errored);
    return;
  }
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    last_error_ = std::string("cannot create a pipe: ") + std::strerror(errno);
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    set_state(InstanceState::Errored);
    return;
  }

  SpawnOptions options;
  options.argv = spec_->argv;
  options.env = child_env();
  options.cwd = spec_->cwd;
  options.stdout_fd = out_pipe[1];
  options.stderr_fd = err_pipe[1];
  std::vector<int> child_ends{out_pipe[1], err_pipe[1]};
  last_error_.clear();
  try {
    channels_ = std::make_unique<ChildChannels>(context_.loop, *spec_, id_, listeners_,
                                                context_.preload_library, context_.node_preload,
                                                channel_events(), options, child_ends);
    socket_via_ = channels_->socket_via();
    if (notify_ && !notify_->path().empty())
      options.env.push_back("NOTIFY_SOCKET=" + notify_->path());
    pid_ = spawn_process(options);
  } catch (const UserError& error) {
    pid_ = 0;
    last_error_ = error.what();
  } catch (const std::system_error& error) {
    pid_ = 0;
    last_error_ = std::string("cannot start: ") + error.what();
  }
  for (int fd : child_ends) ::close(fd);
  if (pid_ <= 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    channels_.reset();
    spdlog::error("{}[{}]: {}", spec_->name, id_, last_error_);
    set_state(InstanceState::Errored);
    return;
  }
  out_.attach(out_pipe[0]);
  err_.attach(err_pipe[0]);
  group_ = pid_;
  killed_ = false;
  started_ms_ = now_ms(context_.loop);
  cpu_.reset();
  ready_via_.clear();
  ready_timed_out_ = false;
  died_launching_ = false;
  context_.reaper.watch(pid_, [this](int status) { on_exit(status); });
  spdlog::info("{}[{}]: started pid {}", spec_->name, id_, pid_);
  if (spec_->listen_timeout_ms == 0 && !spec_->wait_ready) {
    state_ = InstanceState::Launching;
    mark_ready("no wait (listen_timeout 0)");
    return;
  }
  ready_timer_.start(static_cast<std::uint64_t>(spec_->listen_timeout_ms),
                     [this] { on_ready_timeout(); });
  set_state(InstanceState::Launching);
}

ChildChannels::Events Instance::channel_events() {
  ChildChannels::Events events;
  events.ready = [this](const char* via) { mark_ready(via); };
  events.share_socket = [this](const ListenAddress& address, std::string& error) {
    return share_socket(address, error);
  };
  events.node_closed = [this] {
    // A worker that closed its channel while stopping has finished its
    // requests: the kill signal ends whatever still keeps it alive.
    if (state_ == InstanceState::Stopping && group_)
      ::kill(-group_, signal_number(spec_->kill_signal));
  };
  return events;
}

json Instance::export_state() const {
  json state{{"id", id_},
             {"index", index_},
             {"state", state_name(state_)},
             {"pid", pid_},
             {"restarts", restarts_},
             {"created_at", created_at_},
             {"uptime_ms", pid_ > 0 ? now_ms(context_.loop) - started_ms_ : 0},
             {"ready_via", ready_via_},
             {"socket_via", socket_via_},
             {"last_exit", last_exit_},
             {"last_error", last_error_},
             {"history", history_},
             {"notify_path", notify_ ? notify_->path() : ""},
             {"notify_fd", inherit_fd(notify_ ? notify_->fd() : -1)}};
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
  int notify_fd = state.value("notify_fd", -1);
  if (notify_fd >= 0)
    notify_ =
        std::make_unique<NotifySocket>(context_.loop, state.value("notify_path", ""), notify_fd,
                                       [this] { mark_ready("sd_notify READY=1"); });
  pid_ = state.value("pid", 0);
  std::string was = state.value("state", "stopped");
  if (pid_ <= 0) {
    state_ = was == "errored" ? InstanceState::Errored : InstanceState::Stopped;
    if (was == "waiting restart") start();
    return;
  }
  group_ = pid_;
  started_ms_ = now_ms(context_.loop) - state.value("uptime_ms", 0ULL);
  if (int fd = state.value("out_fd", -1); fd >= 0) out_.attach(fd);
  if (int fd = state.value("err_fd", -1); fd >= 0) err_.attach(fd);
  channels_ = std::make_unique<ChildChannels>(context_.loop, *spec_, listeners_, channel_events(),
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

void Instance::mark_ready(const char* via) {
  if (state_ != InstanceState::Launching) return;
  ready_timer_.stop();
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
    if (context_.changed) context_.changed(*this);
    return;
  }
  mark_ready("no signal within listen_timeout");
}

// Whoever listens to state changes may delete this instance (a failed
// start or reload is cleaned up at once): set_state() and changed() are the
// last thing a method does.
void Instance::set_state(InstanceState state) {
  state_ = state;
  if (context_.changed) context_.changed(*this);
}

void Instance::stop(Done done) {
  switch (state_) {
    case InstanceState::Stopped:
    case InstanceState::Errored:
    case InstanceState::WaitingRestart:
      restart_timer_.stop();
      if (state_ == InstanceState::WaitingRestart) set_state(InstanceState::Stopped);
      if (done) done();
      return;
    case InstanceState::Stopping:
      if (done) on_stopped_.push_back(std::move(done));
      return;
    case InstanceState::Launching:
    case InstanceState::Online:
      break;
  }
  if (done) on_stopped_.push_back(std::move(done));
  ready_timer_.stop();
  state_ = InstanceState::Stopping;
  int sig = signal_number(spec_->kill_signal);
  if (spec_->shutdown_with_message && send_message("shutdown")) {
    spdlog::info("{}[{}]: stopping pid {} with the message \"shutdown\"", spec_->name, id_, pid_);
  } else if (channels_ && channels_->disconnect()) {
    // The cluster's graceful stop: the worker closes its servers, finishes
    // what it accepted, then closes its channel (see events.node_closed).
    spdlog::info("{}[{}]: stopping pid {} with the cluster disconnect", spec_->name, id_, pid_);
    if (!channels_->listening() && ::kill(-group_, sig) != 0) ::kill(pid_, sig);
  } else {
    spdlog::info("{}[{}]: stopping pid {} with {}", spec_->name, id_, pid_, spec_->kill_signal);
    if (::kill(-group_, sig) != 0) ::kill(pid_, sig);
  }
  kill_deadline_ms_ = now_ms(context_.loop) + static_cast<std::uint64_t>(spec_->kill_timeout_ms);
  wait_for_group();
  if (context_.changed) context_.changed(*this);
}

void Instance::wait_for_group() {
  // Polls until the whole process group is gone, with SIGKILL at the deadline.
  kill_timer_.start(
      kGroupPollMs,
      [this] {
        std::uint64_t now = now_ms(context_.loop);
        bool alive = pid_ > 0 || group_alive(group_);
        if (!alive) {
          kill_timer_.stop();
          finish_stop();
          return;
        }
        if (!killed_ && now >= kill_deadline_ms_) {
          spdlog::warn("{}[{}]: still running after {} ms, sending SIGKILL", spec_->name, id_,
                       spec_->kill_timeout_ms);
          ::kill(-group_, SIGKILL);
          if (pid_ > 0) ::kill(pid_, SIGKILL);
          killed_ = true;
        } else if (killed_ && now >= kill_deadline_ms_ + kAfterKillMs) {
          spdlog::error("{}[{}]: process group {} did not die after SIGKILL", spec_->name, id_,
                        group_);
          kill_timer_.stop();
          finish_stop();
        }
      },
      kGroupPollMs);
}

void Instance::finish_stop() {
  group_ = 0;
  auto callbacks = std::move(on_stopped_);
  on_stopped_.clear();
  set_state(InstanceState::Stopped);
  // `this` may be gone by now; the callbacks are ours.
  for (auto& callback : callbacks) callback();
}

void Instance::on_exit(int wait_status) {
  std::uint64_t uptime = now_ms(context_.loop) - started_ms_;
  if (WIFEXITED(wait_status))
    last_exit_ = "code " + std::to_string(WEXITSTATUS(wait_status));
  else if (WIFSIGNALED(wait_status))
    last_exit_ = signal_name(WTERMSIG(wait_status));
  spdlog::info("{}[{}]: pid {} exited ({}) after {} ms", spec_->name, id_, pid_, last_exit_,
               uptime);
  constexpr std::size_t kHistory = 10;
  history_.push_back({{"at", wall_ms()},
                      {"pid", pid_},
                      {"exit", last_exit_},
                      {"uptime_ms", uptime},
                      {"stopped", state_ == InstanceState::Stopping}});
  if (history_.size() > kHistory) history_.erase(history_.begin());
  pid_ = 0;
  channels_.reset();
  ready_timer_.stop();

  if (state_ == InstanceState::Stopping) return;  // wait_for_group finishes the stop
  died_launching_ = state_ == InstanceState::Launching;

  // A crash. Anything the leader left behind in its group goes with it, so
  // the next instance starts clean.
  if (group_alive(group_)) ::kill(-group_, SIGKILL);
  group_ = 0;
  bool expected_exit = WIFEXITED(wait_status) &&
                       std::find(spec_->stop_exit_codes.begin(), spec_->stop_exit_codes.end(),
                                 WEXITSTATUS(wait_status)) != spec_->stop_exit_codes.end();
  if (!spec_->autorestart || expected_exit) {
    set_state(InstanceState::Stopped);
    return;
  }
  RestartDecision decision = policy_.after_crash(static_cast<std::int64_t>(uptime));
  if (decision.errored) {
    last_error_ = "crashed " + std::to_string(policy_.unstable_restarts()) +
                  " times in a row, each within min_uptime (" +
                  std::to_string(spec_->min_uptime_ms) + " ms); not restarting";
    spdlog::error("{}[{}]: {}", spec_->name, id_, last_error_);
    set_state(InstanceState::Errored);
    return;
  }
  restart_timer_.start(static_cast<std::uint64_t>(decision.delay_ms), [this] {
    ++restarts_;
    spawn();
  });
  set_state(InstanceState::WaitingRestart);
}

void Instance::succeed(const Instance& old) {
  restarts_ = old.restarts_ + 1;
  created_at_ = old.created_at_;
}

bool Instance::send_message(const json& message) {
  return channels_ && channels_->send_message(message);
}

bool Instance::signal(int signum) {
  return pid_ > 0 && ::kill(pid_, signum) == 0;
}

void Instance::reset_counters() {
  restarts_ = 0;
  policy_.reset();
}

std::uint64_t Instance::memory() const {
  return pid_ > 0 ? sample_process(pid_).rss_bytes : 0;
}

std::uint64_t Instance::uptime_ms() const {
  return pid_ > 0 ? now_ms(context_.loop) - started_ms_ : 0;
}

ProcessUsage Instance::usage() {
  if (pid_ <= 0) return {};
  ProcessSample sample = sample_process(pid_);
  return {cpu_.percent(sample, now_ms(context_.loop), started_ms_), sample.rss_bytes};
}

}  // namespace pm
