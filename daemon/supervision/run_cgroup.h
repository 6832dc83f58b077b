#pragma once
// A cgroup (v2) per run of an instance, where pmd can make one: every
// process of the run is in it whatever it does (even one that clears its
// environment and double-forks), cgroup.kill ends them all at once, and
// memory.current, when the memory controller is on, is the run's memory.
// Where pmd cannot (no cgroup v2, no write access, PM_NO_CGROUPS=1), runs
// are tracked by PM_RUN_ID and the process tree alone (see RunProcesses).

#include <sys/types.h>
#include <uv.h>

#include <cstdint>
#include <string>
#include <vector>

namespace pm {

/// Where pmd makes its runs' cgroups: a directory of its own, named after
/// its home, under its own cgroup on the cgroup2 mount, checked by moving a
/// short-lived child into it. Empty when pmd cannot. Call before the loop
/// runs (it waits for its probe child).
std::string find_cgroup_base(const std::string& home);

/// Turns the memory controller on for the runs under `base`, where the
/// kernel lets pmd; whether their memory.current can be read.
bool enable_cgroup_memory(const std::string& base);
/// Makes the cgroup of run `run_id` under `base`; its path, or empty.
std::string create_run_cgroup(const std::string& base, const std::string& run_id);
/// The pids in a cgroup (none for an empty path or a cgroup that is gone).
std::vector<pid_t> cgroup_members(const std::string& path);
/// Whether a process is left in the cgroup.
bool cgroup_populated(const std::string& path);
/// SIGKILL to every process in the cgroup (cgroup.kill, or one by one).
void kill_cgroup(const std::string& path);
/// The cgroup's memory.current; 0 when the memory controller is off.
std::uint64_t cgroup_memory(const std::string& path);
/// Removes the cgroup once it is empty: now, or soon after (on the loop).
void remove_cgroup_when_empty(uv_loop_t* loop, const std::string& path);

}  // namespace pm
