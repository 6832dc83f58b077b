#pragma once
// RunProcesses: every process one run of an instance started, wherever it
// went. A process that calls setsid or setpgid leaves the run's process
// group, and one that double-forks (or whose parent dies) is re-parented to
// pmd, the child subreaper. Each run's processes carry PM_RUN_ID, unique to
// the run, in their environment: a member is the leader, a descendant of it,
// a process pmd adopted that carries the run's id, or a descendant of one.

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

namespace pm {

/// A new run id: 16 random hex digits.
std::string new_run_id();

/// Owned by an Instance for the run of its child; a plain value.
struct RunProcesses {
  pid_t leader = 0;  // 0 once it has exited
  pid_t group = 0;   // the leader's process group, kept after it exits
  std::string run_id;

  /// Tells the processes pmd started itself (the leaders of runs).
  using IsLeader = std::function<bool(pid_t)>;

  /// The members alive now, found from the leader's children and pmd's
  /// (skipping the leaders of other runs).
  std::vector<pid_t> find(const IsLeader& is_leader) const;
  /// Sends `signum` to the group, the leader and every member found.
  void signal(int signum, const IsLeader& is_leader) const;
};

/// The children of a process (of all its threads); none when it is gone.
std::vector<pid_t> children_of(pid_t pid);
/// Whether process `pid` has `run_id` as its PM_RUN_ID.
bool carries_run_id(pid_t pid, const std::string& run_id);

}  // namespace pm
