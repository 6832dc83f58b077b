// `pm env`: the environment an instance runs with, as pmd gave it.

#include <iostream>

#include "cli/commands.h"

namespace pm {

void add_env_command(CLI::App& app) {
  auto env_target = std::make_shared<std::string>();
  auto* env = app.add_subcommand("env", "Print the environment an instance runs with");
  env->add_option("id", *env_target, "Instance id")->required();
  env->callback([env_target] {
    DaemonClient client(Paths::from_environment());
    json reply = client.call(make_request("env", {{"targets", {*env_target}}}));
    for (const auto& entry : reply["env"]) std::cout << entry.get<std::string>() << "\n";
  });
}

}  // namespace pm
