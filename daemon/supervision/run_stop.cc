#include "daemon/supervision/run_stop.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include "daemon/supervision/run_cgroup.h"
#include "daemon/uv/now_ms.h"

namespace pm {

namespace {

// How often a stopping instance checks whether its processes are gone.
constexpr std::uint64_t kPollMs = 10;
// After SIGKILL, how long to wait for the processes to vanish before giving up.
constexpr std::uint64_t kAfterKillMs = 5000;
// How often SIGKILL goes again to what is left (a process may fork meanwhile).
constexpr std::uint64_t kKillAgainMs = 100;

}  // namespace

RunStop::RunStop(uv_loop_t* loop, ChildReaper& reaper, std::string label)
    : loop_(loop), reaper_(reaper), label_(std::move(label)), poll_timer_(loop) {}

void RunStop::signal_now(const RunProcesses& run, int signum, const ChildReaper& reaper,
                         uv_loop_t* loop) {
  if (signum == SIGKILL) kill_cgroup(run.cgroup);
  run.signal(signum, [&reaper](pid_t pid) { return reaper.watching(pid); });
  if (signum == SIGKILL) remove_cgroup_when_empty(loop, run.cgroup);
}

void RunStop::wait(RunProcesses run, int kill_signal, int kill_timeout_ms,
                   std::function<pid_t()> leader, std::function<void()> stopped) {
  run_ = std::move(run);
  kill_signal_ = kill_signal;
  kill_timeout_ms_ = kill_timeout_ms;
  deadline_ms_ = now_ms(loop_) + static_cast<std::uint64_t>(kill_timeout_ms);
  killed_ = false;
  group_signalled_ = false;
  rest_signalled_ = false;
  known_.clear();
  signalled_.clear();
  leader_ = std::move(leader);
  stopped_ = std::move(stopped);
  poll_timer_.start(
      kPollMs, [this] { poll(); }, kPollMs);
}

void RunStop::signal_all() {
  // The group in one call, as a terminal would; the rest one by one.
  if (!group_signalled_ && run_.group > 0)
    group_signalled_ = ::kill(-run_.group, kill_signal_) == 0;
  for (pid_t pid : run_.find(is_leader())) {
    known_.insert(pid);
    bool in_group = group_signalled_ && ::getpgid(pid) == run_.group;
    if (signalled_.insert(pid).second && !in_group) ::kill(pid, kill_signal_);
  }
}

bool RunStop::maybe_alive() const {
  if (run_.group > 0 && ::kill(-run_.group, 0) == 0) return true;
  if (cgroup_populated(run_.cgroup)) return true;
  for (pid_t pid : known_)
    if (::kill(pid, 0) == 0) return true;
  return false;
}

void RunStop::poll() {
  std::uint64_t now = now_ms(loop_);
  run_.leader = leader_();
  if (run_.leader <= 0) {
    if (!maybe_alive()) {
      // Nothing known is left: one look for what escaped meanwhile.
      auto found = run_.find(is_leader());
      known_.insert(found.begin(), found.end());
      if (found.empty()) {
        poll_timer_.stop();
        remove_cgroup_when_empty(loop_, run_.cgroup);
        stopped_();
        return;
      }
    }
    // The leader has gone: what it left behind ends too.
    if (!rest_signalled_) {
      rest_signalled_ = true;
      signal_all();
    }
  }
  if (!killed_ && now >= deadline_ms_) {
    spdlog::warn("{}: still running after {} ms, sending SIGKILL", label_, kill_timeout_ms_);
    killed_ = true;
  }
  if (killed_ && now >= last_kill_ms_ + kKillAgainMs) {
    last_kill_ms_ = now;
    if (run_.leader > 0) ::kill(run_.leader, SIGKILL);
    kill_cgroup(run_.cgroup);
    run_.signal(SIGKILL, is_leader());
    auto found = run_.find(is_leader());
    known_.insert(found.begin(), found.end());
  }
  if (killed_ && now >= deadline_ms_ + kAfterKillMs) {
    spdlog::error("{}: processes of pid {} did not die after SIGKILL", label_, run_.group);
    poll_timer_.stop();
    stopped_();
  }
}

}  // namespace pm
