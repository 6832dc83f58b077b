// `pm env`: the environment an instance runs with, as pmd gave it.

#include <iostream>

#include "cli/commands.h"
#include "cli/positional_command.h"

namespace pm {

void add_env_command(CLI::App& app) {
  add_positional_command(
      app, "env", "Print the environment an instance runs with",
      {{"target", "Instance id, or an app, namespace, script or /regex/ (its first instance)"}},
      [](const std::vector<std::string>& words) {
        DaemonClient client(Paths::from_environment());
        json reply = client.call(make_request(command::kEnv, {{field::kTargets, {words[0]}}}));
        for (const auto& entry : reply[field::kEnv]) std::cout << entry.get<std::string>() << "\n";
      });
}

}  // namespace pm
