#include "daemon/supervision/group_stop.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include "daemon/uv/now_ms.h"

namespace pm {

namespace {

// How often a stopping instance checks whether its process group is empty.
constexpr std::uint64_t kGroupPollMs = 10;
// After SIGKILL, how long to wait for the group to vanish before giving up on it.
constexpr std::uint64_t kAfterKillMs = 5000;

}  // namespace

GroupStop::GroupStop(uv_loop_t* loop, std::string label)
    : loop_(loop), label_(std::move(label)), poll_timer_(loop) {}

void GroupStop::signal(pid_t group, pid_t leader, int signum) {
  if (::kill(-group, signum) != 0) ::kill(leader, signum);
}

bool GroupStop::alive(pid_t group) {
  return group > 0 && ::kill(-group, 0) == 0;
}

void GroupStop::wait(pid_t group, int kill_timeout_ms, std::function<pid_t()> leader,
                     std::function<void()> stopped) {
  group_ = group;
  kill_timeout_ms_ = kill_timeout_ms;
  deadline_ms_ = now_ms(loop_) + static_cast<std::uint64_t>(kill_timeout_ms);
  killed_ = false;
  leader_ = std::move(leader);
  stopped_ = std::move(stopped);
  poll_timer_.start(
      kGroupPollMs, [this] { poll(); }, kGroupPollMs);
}

void GroupStop::poll() {
  std::uint64_t now = now_ms(loop_);
  pid_t leader = leader_();
  if (leader <= 0 && !alive(group_)) {
    poll_timer_.stop();
    stopped_();
    return;
  }
  if (!killed_ && now >= deadline_ms_) {
    spdlog::warn("{}: still running after {} ms, sending SIGKILL", label_, kill_timeout_ms_);
    ::kill(-group_, SIGKILL);
    if (leader > 0) ::kill(leader, SIGKILL);
    killed_ = true;
  } else if (killed_ && now >= deadline_ms_ + kAfterKillMs) {
    spdlog::error("{}: process group {} did not die after SIGKILL", label_, group_);
    poll_timer_.stop();
    stopped_();
  }
}

}  // namespace pm
