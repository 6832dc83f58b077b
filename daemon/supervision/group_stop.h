#pragma once
// GroupStop: the end of one child's process group. The kill signal to the
// group, SIGKILL to whatever of it is left after kill_timeout, and the wait
// until no process of the group is left, however each one left.

#include <sys/types.h>
#include <uv.h>

#include <cstdint>
#include <functional>
#include <string>

#include "daemon/uv/timer.h"

namespace pm {

/// Owned by an Instance: one stop at a time, of the group of its child.
class GroupStop {
 public:
  /// `label` names the instance in pmd's log ("app[id]").
  GroupStop(uv_loop_t* loop, std::string label);

  /// Sends `signum` to every process of `group`, or to `leader` alone when
  /// the group cannot be signalled.
  static void signal(pid_t group, pid_t leader, int signum);
  /// Whether a process of `group` is left.
  static bool alive(pid_t group);

  /// Waits until the leader has exited (`leader()` gives its pid while it
  /// runs, else 0) and no process of `group` is left; SIGKILL to both after
  /// `kill_timeout_ms`. `stopped` runs once they are gone, or when they
  /// survived SIGKILL for 5 s (given up on).
  void wait(pid_t group, int kill_timeout_ms, std::function<pid_t()> leader,
            std::function<void()> stopped);
  /// Stops waiting without calling `stopped`.
  void cancel() { poll_timer_.stop(); }

 private:
  void poll();

  uv_loop_t* loop_;
  std::string label_;
  Timer poll_timer_;
  pid_t group_ = 0;
  int kill_timeout_ms_ = 0;
  std::uint64_t deadline_ms_ = 0;
  bool killed_ = false;
  std::function<pid_t()> leader_;
  std::function<void()> stopped_;
};

}  // namespace pm
