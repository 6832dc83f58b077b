// `pm stop`, `pm restart`, `pm delete`, `pm reset`, `pm scale`: act on apps
// by name, id or all (`pm reload` is in cmd_reload.cc).

#include "cli/commands.h"
#include "cli/positional_command.h"

namespace pm {

namespace {

/// `pm <command> <targets...>`, named as the command it sends.
CLI::App* add_target_command(CLI::App& app, const Command& command, const std::string& description,
                             const std::string& done_verb) {
  auto targets = std::make_shared<std::vector<std::string>>();
  auto* cmd = app.add_subcommand(command.name, description);
  cmd->add_option("targets", *targets, "App names, instance ids, or all")->required();
  cmd->callback([&command, targets, done_verb] {
    DaemonClient client(Paths::from_environment());
    client.call(make_request(command, {{field::kTargets, *targets}}));
    say(done_verb + " " + joined(*targets));
    show_processes(client);
  });
  return cmd;
}

void add_scale_command(CLI::App& app) {
  add_positional_command(
      app, "scale", "Run N instances of an app (N, +N or -N)",
      {{"name", "App name"}, {"count", "N, +N or -N"}}, [](const std::vector<std::string>& words) {
        DaemonClient client(Paths::from_environment());
        report_started(
            client, client.call(make_request(
                        command::kScale, {{field::kName, words[0]}, {field::kCount, words[1]}})));
      });
}

}  // namespace

void add_control_commands(CLI::App& app) {
  add_reload_command(app);
  add_scale_command(app);
  add_target_command(app, command::kReset, "Set restart counters back to zero", "reset");
  add_target_command(app, command::kStop, "Stop apps gracefully (kill signal, then SIGKILL)",
                     "stopped");
  add_target_command(app, command::kRestart, "Stop then start apps again", "restarted");
  add_target_command(app, command::kDelete, "Stop apps and forget them (alias: del)", "deleted")
      ->alias("del");
}

}  // namespace pm
