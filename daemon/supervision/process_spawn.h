#pragma once
// spawn_process: fork and exec one child the way pm promises: its own
// session and process group, stdin from /dev/null, stdout/stderr to the given
// pipes, the given fds at 3, 4, ... and nothing else of the daemon's open.

#include <sys/types.h>

#include <string>
#include <vector>

namespace pm {

/// What to run and what it inherits. A plain value built by Instance.
struct SpawnOptions {
  std::vector<std::string> argv;  // argv[0] is a resolved path
  std::vector<std::string> env;   // "KEY=value"
  std::string cwd;
  int stdout_fd = -1;
  int stderr_fd = -1;
  std::vector<int> extra_fds;   // become fds 3, 4, ... in the child
  bool set_listen_pid = false;  // add LISTEN_PID=<child's pid> (sd_listen_fds)
  std::string cgroup_procs;     // the child joins this cgroup first, if given
};

/// Raises pmd's soft limit on open files to the hard limit (each instance
/// needs several fds), and remembers the limit pmd was started with, which
/// every child gets back.
void raise_fd_limit();

/// Forks and execs; returns the child's pid. Throws std::system_error when
/// fork fails. A failing exec is reported on the child's stderr, exit 127.
pid_t spawn_process(const SpawnOptions& options);

}  // namespace pm
