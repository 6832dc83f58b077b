// `pm pid [target]`: the pids of the instances, one a line, for scripts
// (0 for an instance that does not run, as PM2 prints).

#include <iostream>

#include "cli/commands.h"
#include "common/instance_details.h"

namespace pm {

void add_pid_command(CLI::App& app) {
  auto target = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand(
      "pid", "Print the pids of an app's instances, one a line (0: not running); all without one");
  cmd->add_option("target", *target,
                  "App name, instance id, namespace, script or /regex/ (default: all)");
  cmd->callback([target] {
    DaemonClient client(Paths::from_environment());
    if (target->empty()) {
      for (const auto& row : list_processes(client)) std::cout << row.pid << "\n";
      return;
    }
    json reply = client.call(make_request(command::kDescribe, {{field::kTargets, {*target}}}));
    for (const auto& instance : reply[field::kInstances].get<std::vector<InstanceDetails>>())
      std::cout << instance.process.pid << "\n";
  });
}

}  // namespace pm
