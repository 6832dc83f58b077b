#pragma once
// RunStop: the end of one run of an instance, every process of it (see
// RunProcesses), not only its process group. The kill signal to each, once;
// SIGKILL to whatever is left after kill_timeout; and the wait until none is
// left, however each one left.

#include <sys/types.h>
#include <uv.h>

#include <cstdint>
#include <functional>
#include <set>
#include <string>

#include "daemon/supervision/child_reaper.h"
#include "daemon/supervision/run_processes.h"
#include "daemon/uv/timer.h"

namespace pm {

/// Owned by an Instance: one stop at a time, of the run of its child.
class RunStop {
 public:
  /// `label` names the instance in pmd's log ("app[id]").
  RunStop(uv_loop_t* loop, ChildReaper& reaper, std::string label);

  /// Waits until the leader has exited (`leader()` gives its pid while it
  /// runs, else 0) and no process of `run` is left. What is left once the
  /// leader has gone gets `kill_signal`; everything gets SIGKILL after
  /// `kill_timeout_ms`. `stopped` runs once they are gone, or when they
  /// survived SIGKILL for 5 s (given up on).
  void wait(RunProcesses run, int kill_signal, int kill_timeout_ms, std::function<pid_t()> leader,
            std::function<void()> stopped);
  /// Sends the kill signal to every process of the run not yet sent it.
  void signal_all();
  /// Stops waiting without calling `stopped`.
  void cancel() { poll_timer_.stop(); }

  /// Sends `signum` to every process of `run` now (after a crash: SIGKILL,
  /// and its cgroup goes once empty).
  static void signal_now(const RunProcesses& run, int signum, const ChildReaper& reaper,
                         uv_loop_t* loop);

 private:
  void poll();
  /// Whether a process of the run may be left, without scanning /proc.
  bool maybe_alive() const;
  RunProcesses::IsLeader is_leader() const {
    return [this](pid_t pid) { return reaper_.watching(pid); };
  }

  uv_loop_t* loop_;
  ChildReaper& reaper_;
  std::string label_;
  Timer poll_timer_;
  RunProcesses run_;
  int kill_signal_ = 0;
  int kill_timeout_ms_ = 0;
  std::uint64_t deadline_ms_ = 0;
  std::uint64_t last_kill_ms_ = 0;
  bool killed_ = false;
  bool group_signalled_ = false;
  bool rest_signalled_ = false;  // after the leader exited
  std::set<pid_t> known_;        // found at the last scan
  std::set<pid_t> signalled_;    // sent the kill signal
  std::function<pid_t()> leader_;
  std::function<void()> stopped_;
};

}  // namespace pm
