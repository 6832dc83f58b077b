#include "daemon/instance.h"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <system_error>

#include "common/signal_names.h"
#include "daemon/process_spawn.h"

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

std::string log_path(const Paths& paths, const AppSpec& spec, int id, const char* stream) {
  return paths.log_dir() + "/" + spec.name + "-" + std::to_string(id) + "-" + stream + ".log";
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

Instance::Instance(InstanceContext& context, int id, int index, std::shared_ptr<const AppSpec> spec)
    : context_(context),
      id_(id),
      index_(index),
      spec_(std::move(spec)),
      created_at_(wall_ms()),
      policy_(spec_->min_uptime_ms, spec_->max_restarts),
      out_(context.loop, context.bus, id, spec_->name, "out",
           log_path(context.paths, *spec_, id, "out")),
      err_(context.loop, context.bus, id, spec_->name, "err",
           log_path(context.paths, *spec_, id, "err")),
      restart_timer_(context.loop),
      kill_timer_(context.loop) {}

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
    if (key == "PM_ID" || key == "PM_APP_NAME" || key == "NODE_APP_INSTANCE" || key == "pm_id")
      continue;
    env.push_back(key + "=" + value);
  }
  env.push_back("PM_ID=" + std::to_string(id_));
  env.push_back("pm_id=" + std::to_string(id_));
  env.push_back("PM_APP_NAME=" + spec_->name);
  env.push_back("NODE_APP_INSTANCE=" + std::to_string(index_));
  return env;
}

void Instance::start() {
  if (pid_ > 0 || state_ == InstanceState::Stopping) return;
  restart_timer_.stop();
  policy_.reset();
  spawn();
}

void Instance::spawn() {
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    last_error_ = std::string("cannot create a pipe: ") + std::strerror(errno);
    state_ = InstanceState::Errored;
    return;
  }
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    last_error_ = std::string("cannot create a pipe: ") + std::strerror(errno);
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    state_ = InstanceState::Errored;
    return;
  }

  SpawnOptions options;
  options.argv = spec_->argv;
  options.env = child_env();
  options.cwd = spec_->cwd;
  options.stdout_fd = out_pipe[1];
  options.stderr_fd = err_pipe[1];
  try {
    pid_ = spawn_process(options);
  } catch (const std::system_error& error) {
    pid_ = 0;
    last_error_ = std::string("cannot start: ") + error.what();
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (pid_ <= 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    state_ = InstanceState::Errored;
    spdlog::error("{}[{}]: {}", spec_->name, id_, last_error_);
    return;
  }
  out_.attach(out_pipe[0]);
  err_.attach(err_pipe[0]);
  group_ = pid_;
  killed_ = false;
  started_ms_ = now_ms(context_.loop);
  cpu_.reset();
  last_error_.clear();
  state_ = InstanceState::Online;
  context_.reaper.watch(pid_, [this](int status) { on_exit(status); });
  spdlog::info("{}[{}]: started pid {}", spec_->name, id_, pid_);
}

void Instance::stop(Done done) {
  switch (state_) {
    case InstanceState::Stopped:
    case InstanceState::Errored:
    case InstanceState::WaitingRestart:
      restart_timer_.stop();
      if (state_ == InstanceState::WaitingRestart) state_ = InstanceState::Stopped;
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
  state_ = InstanceState::Stopping;
  int sig = signal_number(spec_->kill_signal);
  spdlog::info("{}[{}]: stopping pid {} with {}", spec_->name, id_, pid_, spec_->kill_signal);
  if (::kill(-group_, sig) != 0) ::kill(pid_, sig);
  kill_deadline_ms_ = now_ms(context_.loop) + static_cast<std::uint64_t>(spec_->kill_timeout_ms);
  wait_for_group();
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
  state_ = InstanceState::Stopped;
  group_ = 0;
  auto callbacks = std::move(on_stopped_);
  on_stopped_.clear();
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
  pid_ = 0;

  if (state_ == InstanceState::Stopping) return;  // wait_for_group finishes the stop

  // A crash. Anything the leader left behind in its group goes with it, so
  // the next instance starts clean.
  if (group_alive(group_)) ::kill(-group_, SIGKILL);
  group_ = 0;
  if (!spec_->autorestart) {
    state_ = InstanceState::Stopped;
    return;
  }
  RestartDecision decision = policy_.after_crash(static_cast<std::int64_t>(uptime));
  if (decision.errored) {
    state_ = InstanceState::Errored;
    last_error_ = "crashed " + std::to_string(policy_.unstable_restarts()) +
                  " times in a row, each within min_uptime (" +
                  std::to_string(spec_->min_uptime_ms) + " ms); not restarting";
    spdlog::error("{}[{}]: {}", spec_->name, id_, last_error_);
    return;
  }
  state_ = InstanceState::WaitingRestart;
  restart_timer_.start(static_cast<std::uint64_t>(decision.delay_ms), [this] {
    ++restarts_;
    spawn();
  });
}

json Instance::summary() {
  json row{{"id", id_},
           {"name", spec_->name},
           {"status", state_name(state_)},
           {"pid", pid_},
           {"restarts", restarts_},
           {"uptime_ms", 0},
           {"cpu", 0.0},
           {"memory", 0}};
  if (pid_ > 0) {
    std::uint64_t now = now_ms(context_.loop);
    row["uptime_ms"] = now - started_ms_;
    ProcessSample sample = sample_process(pid_);
    row["cpu"] = cpu_.percent(sample, now, started_ms_);
    row["memory"] = sample.rss_bytes;
  }
  return row;
}

json Instance::details() {
  json info = summary();
  info["created_at"] = created_at_;
  info["unstable_restarts"] = policy_.unstable_restarts();
  info["last_exit"] = last_exit_;
  info["error"] = last_error_;
  info["out_log"] = out_.file().path();
  info["err_log"] = err_.file().path();
  std::string log_error = out_.file().error().empty() ? err_.file().error() : out_.file().error();
  info["log_error"] = log_error;
  return info;
}

}  // namespace pm
