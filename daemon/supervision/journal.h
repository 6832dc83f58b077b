#pragma once
// Journal: what should run, kept current on disk so that a pmd that dies
// (kill -9, a segfault, the OOM killer) loses no app. $PM_HOME/journal.json
// holds every app's settings and instance count and every live run (its
// leader's pid and start time, its PM_RUN_ID) and the apps the user stopped,
// rewritten atomically whenever that changes. A clean exit (`pm kill`) removes it; a pmd that
// starts and finds one ends what the dead pmd left and starts those apps again.

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/paths.h"

namespace pm {

/// A run recorded in the journal.
struct JournalRun {
  std::string app;
  pid_t pid = 0;                  // 0 once the leader exited
  std::uint64_t start_ticks = 0;  // the leader's start, to tell a reused pid
  std::string run_id;
  std::string kill_signal;
  std::string cgroup;  // empty when the run had none
};

/// Owned by the Supervisor.
class Journal {
 public:
  explicit Journal(Paths paths) : path_(paths.home + "/journal.json") {}

  /// Writes `state` ({"apps": [...], "runs": [...]}) unless it is what was
  /// last written. Failure is logged, never fatal.
  void record(const nlohmann::json& state);
  /// Removes the journal: pmd exits cleanly.
  void remove();
  /// The journal a dead pmd left, or null when there is none (or it cannot
  /// be read; then `problem` says why).
  nlohmann::json read_left_behind(std::string& problem) const;
  const std::string& path() const { return path_; }

  /// Ends every process of the runs a dead pmd recorded: the leader when it
  /// is the same process (pid and start time), every process in a recorded
  /// cgroup or carrying a recorded PM_RUN_ID, with their descendants. Each gets its app's kill
  /// signal, then SIGKILL after `grace_ms`. Returns how many there were.
  static std::size_t end_runs(const std::vector<JournalRun>& runs, int grace_ms);

 private:
  std::string path_;
  std::string last_;  // what was last written
};

}  // namespace pm
