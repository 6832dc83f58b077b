// `pm stop`, `pm restart`, `pm delete`, `pm reset`, `pm scale`: act on the
// apps targets name (`pm reload` is in cmd_reload.cc).

#include "cli/commands.h"
#include "cli/file_targets.h"
#include "cli/positional_command.h"

namespace pm {

namespace {

/// `pm <command> <targets...>`, named as the command it sends. Ecosystem
/// files among the targets stand for their apps: stop and delete act on
/// those known; restart starts what is new and restarts the rest with the
/// file's settings, as PM2 does.
CLI::App* add_target_command(CLI::App& app, const Command& command, const std::string& description,
                             const std::string& done_verb) {
  auto targets = std::make_shared<std::vector<std::string>>();
  auto options = std::make_shared<FileTargetOptions>();
  auto* cmd = app.add_subcommand(command.name, description);
  cmd->add_option("targets", *targets,
                  "App names, instance ids, all, namespaces, scripts, /regex/ on names" +
                      std::string(&command == &command::kReset ? "" : ", or ecosystem files"))
      ->required();
  bool restart = &command == &command::kRestart;
  bool takes_files = &command != &command::kReset;
  if (takes_files) add_file_target_options(*cmd, *options, restart);
  cmd->callback([&command, targets, options, done_verb, restart, takes_files] {
    DaemonClient client(Paths::from_environment());
    auto names = *targets;
    auto files = takes_files ? take_file_targets(names) : std::vector<std::string>();
    json env = restart ? updated_env(*options, !files.empty()) : json();
    if (!files.empty() && restart) deploy_files(client, files, "restart", *options);
    if (!files.empty() && !restart) {
      auto known = known_apps_of(client, files, *options);
      names.insert(names.end(), known.begin(), known.end());
    }
    if (!names.empty()) {
      json request{{field::kTargets, names}};
      if (!env.is_null()) request[field::kEnv] = env;
      client.call(make_request(command, request));
    }
    say(done_verb + " " + joined(*targets));
    show_processes(client);
  });
  return cmd;
}

void add_scale_command(CLI::App& app) {
  add_positional_command(
      app, "scale", "Run N instances of an app (N, +N or -N)",
      {{"name", "The app: name, id, namespace, script or /regex/ naming one"},
       {"count", "N, +N or -N"}},
      [](const std::vector<std::string>& words) {
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
