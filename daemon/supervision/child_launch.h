#pragma once
// launch_child: starts the child process of an instance: its stdout and
// stderr pipes, its channels (ChildChannels), then the fork and exec
// (spawn_process). The child's ends are closed in pmd whether or not it
// started.

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "common/app_spec.h"
#include "daemon/supervision/child_channels.h"
#include "daemon/supervision/instance_context.h"

namespace pm {

/// A child that runs, and pmd's ends of its pipes and channels: a plain
/// value, taken over by the Instance.
struct LaunchedChild {
  pid_t pid = 0;
  int out_fd = -1;  // read end of its stdout
  int err_fd = -1;  // read end of its stderr
  std::unique_ptr<ChildChannels> channels;
};

/// What an instance starts its child with, besides the daemon's context.
struct ChildLaunch {
  const AppSpec& spec;
  int id;
  std::vector<std::string> env;  // the instance's environment (Instance::child_env)
  std::string notify_path;       // its NOTIFY_SOCKET, or empty
  std::string cgroup;            // the run's cgroup to join, or empty
};

/// Throws UserError (a pipe or channel that cannot be made, a --listen
/// address that cannot be had) or std::system_error (fork).
LaunchedChild launch_child(const InstanceContext& context, ChildLaunch launch,
                           ChildChannels::Events events);

}  // namespace pm
