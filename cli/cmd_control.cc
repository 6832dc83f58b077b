// `pm stop`, `pm restart`, `pm delete`: act on apps by name, id or all.

#include <map>

#include "cli/commands.h"

namespace pm {

namespace {

void add_target_command(CLI::App& app, const std::string& name, const std::string& description,
                        const std::string& done_verb) {
  auto targets = std::make_shared<std::vector<std::string>>();
  auto* cmd = app.add_subcommand(name, description);
  cmd->add_option("targets", *targets, "App names, instance ids, or all")->required();
  if (name == "delete") cmd->alias("del");
  cmd->callback([name, targets, done_verb] {
    DaemonClient client(Paths::from_environment());
    json reply = client.call(make_request(name, {{"targets", *targets}}));
    std::string joined;
    for (const auto& target : *targets) joined += (joined.empty() ? "" : ", ") + target;
    say(done_verb + " " + joined);
    print_process_table(client.call(make_request("list"))["processes"]);
  });
}

}  // namespace

void add_scale_command(CLI::App& app) {
  auto name = std::make_shared<std::string>();
  auto count = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("scale", "Run N instances of an app (N, +N or -N)");
  cmd->add_option("name", *name, "App name")->required();
  cmd->add_option("count", *count, "N, +N or -N")->required();
  cmd->callback([name, count] {
    DaemonClient client(Paths::from_environment());
    report_started(client,
                   client.call(make_request("scale", {{"name", *name}, {"count", *count}})));
  });
}

void add_control_commands(CLI::App& app) {
  add_reload_command(app);
  add_scale_command(app);
  add_target_command(app, "reset", "Set restart counters back to zero", "reset");
  add_target_command(app, "stop", "Stop apps gracefully (kill signal, then SIGKILL)", "stopped");
  add_target_command(app, "restart", "Stop then start apps again", "restarted");
  add_target_command(app, "delete", "Stop apps and forget them (alias: del)", "deleted");
}

}  // namespace pm
