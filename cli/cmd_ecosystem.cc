// `pm startOrReload` and `pm startOrRestart`: deploy an ecosystem file,
// starting what is new and reloading (or restarting) what runs.

#include <iostream>

#include "cli/commands.h"
#include "cli/ecosystem_file.h"

namespace pm {

namespace {

struct DeployOptions {
  std::string file;
  std::vector<std::string> only;
  std::string env_name;
};

void add_deploy_command(CLI::App& app, const std::string& name, const std::string& action) {
  auto options = std::make_shared<DeployOptions>();
  auto* cmd =
      app.add_subcommand(name, "Start the apps of an ecosystem file that are not running, " +
                                   action + " those that are (with the file's settings)");
  cmd->add_option("file", options->file, "Ecosystem file (default: the one here)");
  cmd->add_option("--only", options->only, "Only these apps (a,b)")->delimiter(',');
  cmd->add_option("--env", options->env_name, "Merge env_NAME into env");
  cmd->callback([options, action] {
    std::string file = options->file.empty() ? find_ecosystem_file() : options->file;
    if (file.empty()) throw UserError("no ecosystem file given, and none here");
    json specs = ecosystem_specs(file, options->env_name, options->only, environment_with({}));
    DaemonClient client(Paths::from_environment());
    json reply = client.stream(
        make_request(command::kApply, {{field::kSpecs, specs}, {field::kAction, action}}),
        say_progress);
    for (const auto& entry : reply[field::kApps])
      say(entry.value(field::kAction, "") + " " + entry.value(field::kName, ""));
    show_processes(client);
  });
}

}  // namespace

void add_ecosystem_commands(CLI::App& app) {
  add_deploy_command(app, "startOrReload", "reload");
  add_deploy_command(app, "startOrRestart", "restart");
  add_init_command(app);
}

}  // namespace pm
