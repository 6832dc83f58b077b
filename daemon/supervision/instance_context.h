#pragma once
// InstanceContext: what every instance needs from the daemon, built once by
// the Daemon and handed to the Supervisor.

#include <uv.h>

#include <string>

#include "common/paths.h"
#include "daemon/logs/log_bus.h"
#include "daemon/logs/log_files.h"
#include "daemon/supervision/adopted_runs.h"
#include "daemon/supervision/child_reaper.h"
#include "daemon/uv/deferred_call.h"

namespace pm {

/// Owned by the Daemon.
struct InstanceContext {
  uv_loop_t* loop;
  ChildReaper& reaper;
  LogBus& bus;
  LogFiles& log_files;
  Paths paths;
  std::string preload_library;  // empty when it is not installed
  std::string node_preload;     // node_graceful_close.js, or empty
  std::string notify_path;      // pmd's NOTIFY_SOCKET, or empty
  std::string cgroup_base;      // where runs get cgroups, or empty (see run_cgroup.h)
  bool cgroup_memory;           // whether their memory.current can be read
  /// For figures of whole runs; null: every figure looks afresh.
  AdoptedRuns* adopted_runs;
  /// Asked for whenever an instance changes state: the Supervisor's
  /// reconcile pass, which runs later, never inside the instance's call.
  DeferredCall* changed;
};

}  // namespace pm
