#pragma once
// AdoptedRuns: the processes pmd adopted as orphans, by the run they belong
// to (their PM_RUN_ID), read at most twice a second and shared by every
// instance: `pm list` and the memory watch count each run's whole tree
// without a look at every process of pmd per instance. Stops never use it:
// they look afresh (RunProcesses::find).

#include <sys/types.h>
#include <uv.h>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "daemon/supervision/child_reaper.h"

namespace pm {

/// Owned by the Daemon, in the InstanceContext.
class AdoptedRuns {
 public:
  AdoptedRuns(uv_loop_t* loop, const ChildReaper& reaper) : loop_(loop), reaper_(reaper) {}

  /// The adopted processes carrying `run_id`, as of at most 500 ms ago.
  const std::vector<pid_t>& of(const std::string& run_id);

 private:
  uv_loop_t* loop_;
  const ChildReaper& reaper_;
  std::unordered_map<std::string, std::vector<pid_t>> runs_;
  std::uint64_t read_at_ = 0;
  bool read_ = false;
};

}  // namespace pm
