#pragma once
// ChildReaper: the one place pmd calls waitpid. Reaps every child on SIGCHLD
// (pmd is a child subreaper, so orphaned grandchildren come here too) and
// tells whoever registered a pid that it exited.

#include <sys/types.h>
#include <uv.h>

#include <functional>
#include <unordered_map>

namespace pm {

/// Owned by the Daemon; Instances register the pids they spawn.
class ChildReaper {
 public:
  using ExitHandler = std::function<void(int wait_status)>;

  explicit ChildReaper(uv_loop_t* loop);
  ~ChildReaper();
  ChildReaper(const ChildReaper&) = delete;
  ChildReaper& operator=(const ChildReaper&) = delete;

  void watch(pid_t pid, ExitHandler on_exit) { handlers_[pid] = std::move(on_exit); }
  void forget(pid_t pid) { handlers_.erase(pid); }
  /// Whether `pid` is watched: a process pmd started (an instance's leader).
  bool watching(pid_t pid) const { return handlers_.count(pid) != 0; }
  /// Reaps whatever has exited; also run at start-up.
  void reap();

 private:
  uv_signal_t* signal_;
  std::unordered_map<pid_t, ExitHandler> handlers_;
};

}  // namespace pm
