#include "daemon/supervision/instance.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <system_error>

#include "common/signal_names.h"
#include "common/user_error.h"
#include "daemon/supervision/child_launch.h"
#include "daemon/supervision/pid_file.h"
#include "daemon/supervision/run_cgroup.h"
#include "daemon/uv/now_ms.h"

// The states of an instance and what moves it from one to the next:
//
//   from                event                                     to
//   stopped, errored    start()                                   launching
//   waiting restart     start(), or the restart delay is over     launching
//   (those above)       ...but the child cannot be spawned        errored
//   (those above)       ...for want of fds, processes or memory   waiting restart
//   launching           a ready signal, or listen_timeout         online
//   launching           listen_timeout with --wait-ready          launching, timed out
//   launching, online   stop()                                    stopping
//   (online: draining first while another instance accepts; see instance_stop.cc)
//   waiting restart     stop()                                    stopped
//   launching, online   exit                                      waiting restart
//   launching, online   exit, crash loop (RestartPolicy)          errored
//   launching, online   exit, no autorestart or a stop exit code  stopped
//   stopping            exit                                      stopping
//   stopping            no process of the run is left             stopped
//
// Every change asks for the Supervisor's reconcile pass (context.changed),
// which runs after the instance's call has returned.

namespace pm {

namespace {

bool out_of_resources(int error) {
  return error == EMFILE || error == ENFILE || error == EAGAIN || error == ENOMEM;
}

}  // namespace

using json = nlohmann::json;

namespace {

std::int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

LogTargets log_targets(InstanceContext& context, const AppSpec& spec, int index,
                       const char* stream) {
  return {context.log_files.open(context.paths, spec, index, stream),
          context.log_files.open(context.paths, spec, index, "log"), spec.log_date_format,
          spec.log_type == "json"};
}

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

const char* Instance::status() const {
  // Launching is pmd's wait for readiness; PM2 shows it only until the
  // process runs, or, with wait_ready, until the process says it is ready.
  if (state_ == InstanceState::Launching && pid_ > 0 && !spec_->wait_ready)
    return state_name(InstanceState::Online);
  return state_name(state_);
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
           log_targets(context, *spec_, index, "out")),
      err_(context.loop, context.bus, id, spec_->name, "err",
           log_targets(context, *spec_, index, "err")),
      ready_timer_(context.loop),
      restart_timer_(context.loop),
      drain_timer_(context.loop),
      probe_timer_(context.loop),
      run_stop_(context.loop, context.reaper, spec_->name + "[" + std::to_string(id) + "]") {
  if (adopted) adopt(*adopted);
}

Instance::~Instance() {
  listeners_.release(this);
  if (pid_ > 0) {
    context_.reaper.forget(pid_);
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
  }
}

namespace {

/// increment_var's value for the instance at `index`: the app's value plus
/// the index, counting from 0 when the app's is not a number (as PM2 does).
long long incremented(const AppSpec& spec, int index) {
  auto given = spec.env.find(spec.increment_var);
  long long base = 0;
  if (given != spec.env.end()) {
    char* end = nullptr;
    errno = 0;
    long long value = std::strtoll(given->second.c_str(), &end, 10);
    if (end != given->second.c_str() && *end == '\0' && errno == 0 && value < (1LL << 53))
      base = value;
  }
  return base + index;
}

}  // namespace

std::vector<std::string> Instance::child_env() const {
  std::vector<std::string> env;
  for (const auto& [key, value] : spec_->env) {
    if (key == "PM_ID" || key == "PM_APP_NAME" || key == spec_->instance_var || key == "pm_id" ||
        key == "PM_RUN_ID" || key == spec_->increment_var)
      continue;
    env.push_back(key + "=" + value);
  }
  if (!spec_->increment_var.empty())
    env.push_back(spec_->increment_var + "=" + std::to_string(incremented(*spec_, index_)));
  env.push_back("PM_ID=" + std::to_string(id_));
  env.push_back("pm_id=" + std::to_string(id_));
  env.push_back("PM_APP_NAME=" + spec_->name);
  env.push_back(spec_->instance_var + "=" + std::to_string(index_));
  // Marks every process of this run, wherever it goes (see RunProcesses).
  if (!run_.run_id.empty()) env.push_back("PM_RUN_ID=" + run_.run_id);
  return env;
}

std::string Instance::tracked_by() const {
  if (run_.run_id.empty()) return "its process group";
  if (!run_.cgroup.empty()) return "cgroup " + run_.cgroup + ", and PM_RUN_ID=" + run_.run_id;
  return "its process tree, and PM_RUN_ID=" + run_.run_id +
         " wherever setsid, setpgid or a double fork took them (no cgroup)";
}

void Instance::start() {
  if (pid_ > 0 || state_ == InstanceState::Stopping) return;
  restart_timer_.stop();
  policy_.reset();
  spawn();
}

int Instance::share_socket(const ListenAddress& address, std::string& error) {
  try {
    return listeners_.socket_for(address, this);
  } catch (const UserError& failure) {
    error = failure.what();
    last_error_ = error;
    spdlog::error("{}[{}]: {}", spec_->name, id_, error);
    return -1;
  }
}

void Instance::spawn() {
  last_error_.clear();
  run_.run_id = new_run_id();
  run_.cgroup = create_run_cgroup(context_.cgroup_base, run_.run_id);
  try {
    LaunchedChild child = launch_child(
        context_, {*spec_, id_, child_env(), context_.notify_path, run_.cgroup}, channel_events());
    pid_ = child.pid;
    channels_ = std::move(child.channels);
    out_.attach(child.out_fd);
    err_.attach(child.err_fd);
  } catch (const UserError& error) {
    last_error_ = error.what();
  } catch (const std::system_error& error) {
    last_error_ = std::string("cannot start: ") + error.what();
    if (out_of_resources(error.code().value())) {
      // Fds, processes or memory run out for a while (other apps, a burst
      // of restarts): this instance will start once they are back.
      int delay_ms = policy_.after_spawn_failure().delay_ms;
      last_error_ += "; retrying in " + std::to_string(delay_ms) + " ms";
      spdlog::warn("{}[{}]: {}", spec_->name, id_, last_error_);
      restart_timer_.start(static_cast<std::uint64_t>(delay_ms), [this] { spawn(); });
      set_state(InstanceState::WaitingRestart);
      return;
    }
  }
  if (pid_ <= 0) {
    spdlog::error("{}[{}]: {}", spec_->name, id_, last_error_);
    set_state(InstanceState::Errored);
    return;
  }
  run_.leader = pid_;
  run_.group = pid_;
  start_ticks_ = sample_process(pid_).start_ticks;
  started_ms_ = now_ms(context_.loop);
  cpu_.reset();
  ready_via_.clear();
  ready_timed_out_ = false;
  context_.reaper.watch(pid_, [this](int status) { on_exit(status); });
  spdlog::info("{}[{}]: started pid {}", spec_->name, id_, pid_);
  write_pid_file(pid_file_path(spec_->pid_file, id_), pid_);
  if (spec_->listen_timeout_ms == 0 && !spec_->wait_ready) {
    state_ = InstanceState::Launching;
    mark_ready("no wait (listen_timeout 0)");
    return;
  }
  ready_timer_.start(static_cast<std::uint64_t>(spec_->listen_timeout_ms),
                     [this] { on_ready_timeout(); });
  set_state(InstanceState::Launching);
  start_probe();
}

ChildChannels::Events Instance::channel_events() {
  ChildChannels::Events events;
  events.ready = [this](const char* via) { mark_ready(via); };
  events.share_socket = [this](const ListenAddress& address, std::string& error) {
    return share_socket(address, error);
  };
  events.restore_backlog = [this] { listeners_.restore_backlog(this); };
  events.bound_port = [this](const ListenAddress& address) {
    return listeners_.bind(address).port();
  };
  events.node_closed = [this] {
    // A worker that closed its channel while stopping has finished its
    // requests: the kill signal ends whatever still keeps it alive.
    if (state_ == InstanceState::Stopping) run_stop_.signal_all();
  };
  return events;
}

void Instance::set_state(InstanceState state) {
  state_ = state;
  // Stopped or given up on while others serve: what waits in its queue
  // would wait for nothing (a restart of the whole app keeps it instead).
  if ((state == InstanceState::Stopped || state == InstanceState::Errored) &&
      listeners_.others_accepting(this))
    if (int reset = listeners_.reset_queued(this))
      spdlog::warn("{}[{}]: reset {} connection(s) left in its queue", spec_->name, id_, reset);
  notify_changed();
}

void Instance::notify_changed() {
  if (context_.changed) context_.changed->request();
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
  remove_pid_file(pid_file_path(spec_->pid_file, id_), pid_);
  pid_ = 0;
  socket_via_ = channels_ ? channels_->socket_via() : socket_via_;
  channels_.reset();
  end_probe();
  ready_timer_.stop();
  run_.leader = 0;
  if (state_ == InstanceState::Stopping) return;  // run_stop_ finishes the stop
  after_crash(wait_status, uptime);
}

void Instance::after_crash(int wait_status, std::uint64_t uptime_ms) {
  // Anything the leader left behind goes with it, wherever it went, so the
  // next instance starts clean.
  RunStop::signal_now(run_, SIGKILL, context_.reaper, context_.loop);
  run_ = RunProcesses();
  bool expected_exit = WIFEXITED(wait_status) &&
                       std::find(spec_->stop_exit_codes.begin(), spec_->stop_exit_codes.end(),
                                 WEXITSTATUS(wait_status)) != spec_->stop_exit_codes.end();
  if (!spec_->autorestart || expected_exit) {
    set_state(InstanceState::Stopped);
    return;
  }
  RestartDecision decision = policy_.after_crash(static_cast<std::int64_t>(uptime_ms));
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

ProcessSample Instance::sample_run() const {
  if (pid_ <= 0) return {};
  constexpr std::uint64_t kTreeRefreshMs = 1000;
  std::uint64_t now = now_ms(context_.loop);
  ProcessSample sample;
  if (members_run_ == run_.run_id && now < members_at_ + kTreeRefreshMs) {
    for (pid_t pid : members_) {
      ProcessSample one = sample_process(pid);
      if (!one.ok) continue;
      sample.ok = true;
      sample.cpu_ms += one.cpu_ms;
      sample.rss_bytes += one.rss_bytes;
    }
  } else {
    members_.clear();
    std::vector<pid_t> adopted = context_.adopted_runs ? context_.adopted_runs->of(run_.run_id)
                                                       : adopted_by_run([this](pid_t pid) {
                                                           return context_.reaper.watching(pid);
                                                         })[run_.run_id];
    sample = run_.sample(adopted, &members_);
    members_run_ = run_.run_id;
    members_at_ = now;
  }
  // The kernel's count, where the memory controller is on, includes the
  // page cache the run uses, as systemd and containers report it.
  if (context_.cgroup_memory)
    if (std::uint64_t charged = cgroup_memory(run_.cgroup)) sample.rss_bytes = charged;
  return sample;
}

std::uint64_t Instance::memory() const {
  return sample_run().rss_bytes;
}

std::uint64_t Instance::uptime_ms() const {
  return pid_ > 0 ? now_ms(context_.loop) - started_ms_ : 0;
}

ProcessUsage Instance::usage() {
  if (pid_ <= 0) return {};
  ProcessSample sample = sample_run();
  return {cpu_.percent(sample, now_ms(context_.loop), started_ms_), sample.rss_bytes};
}

}  // namespace pm
