#include "daemon/supervision/child_launch.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "common/known_servers.h"
#include "daemon/supervision/process_spawn.h"

namespace pm {

namespace {

void make_pipe(int ends[2]) {
  if (::pipe2(ends, O_CLOEXEC) != 0)
    throw std::system_error(errno, std::generic_category(), "cannot create a pipe");
}

}  // namespace

LaunchedChild launch_child(const InstanceContext& context, ChildLaunch launch,
                           ChildChannels::Events events) {
  int out_pipe[2], err_pipe[2];
  make_pipe(out_pipe);
  try {
    make_pipe(err_pipe);
  } catch (const std::system_error&) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    throw;
  }
  SpawnOptions options;
  options.argv = launch.spec.argv;
  options.env = std::move(launch.env);
  options.cwd = launch.spec.cwd;
  if (!launch.cgroup.empty()) options.cgroup_procs = launch.cgroup + "/cgroup.procs";
  options.stdout_fd = out_pipe[1];
  options.stderr_fd = err_pipe[1];
  std::vector<int> child_ends{out_pipe[1], err_pipe[1]};
  LaunchedChild child;
  try {
    child.channels = std::make_unique<ChildChannels>(context.loop, launch.spec, launch.id,
                                                     context.preload_library, context.node_preload,
                                                     std::move(events), options, child_ends);
    if (!launch.notify_path.empty() && takes_notify_socket(launch.spec.argv))
      options.env.push_back("NOTIFY_SOCKET=" + launch.notify_path);
    child.pid = spawn_process(options);
  } catch (...) {
    for (int fd : child_ends) ::close(fd);
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    throw;
  }
  for (int fd : child_ends) ::close(fd);
  child.out_fd = out_pipe[0];
  child.err_fd = err_pipe[0];
  return child;
}

}  // namespace pm
