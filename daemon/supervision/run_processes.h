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
#include <unordered_map>
#include <vector>

#include "daemon/supervision/process_stats.h"

namespace pm {

/// A new run id: 16 random hex digits.
std::string new_run_id();

/// Owned by an Instance for the run of its child; a plain value.
struct RunProcesses {
  pid_t leader = 0;  // 0 once it has exited
  pid_t group = 0;   // the leader's process group, kept after it exits
  std::string run_id;
  std::string cgroup;  // its cgroup, or empty (see run_cgroup.h)

  /// Tells the processes pmd started itself (the leaders of runs).
  using IsLeader = std::function<bool(pid_t)>;

  /// The members alive now, found from the leader's children and pmd's
  /// (skipping the leaders of other runs).
  std::vector<pid_t> find(const IsLeader& is_leader) const;
  /// CPU time and memory summed over the members alive now, found from
  /// the leader and from `adopted`, the processes pmd adopted that carry the
  /// run's id (see adopted_by_run), in one walk.
  /// `members`, if given, gets the pids that were sampled.
  ProcessSample sample(const std::vector<pid_t>& adopted,
                       std::vector<pid_t>* members = nullptr) const;
  /// Sends `signum` to the group, the leader and every member found.
  void signal(int signum, const IsLeader& is_leader) const;
};

/// The children of a process (of all its threads); none when it is gone.
/// `threads`, when known, spares a look at its thread list.
std::vector<pid_t> children_of(pid_t pid, int threads = 0);
/// The PM_RUN_ID of process `pid`; empty when it has none.
std::string run_id_of(pid_t pid);

/// The processes pmd adopted (not leaders), by the run id they carry: one
/// look for every run at once.
std::unordered_map<std::string, std::vector<pid_t>> adopted_by_run(
    const RunProcesses::IsLeader& is_leader);

}  // namespace pm
