// `pm stop`, `pm restart`, `pm delete`, `pm reset`, `pm reload`, `pm scale`:
// act on apps by name, id or all.

#include <iostream>

#include "cli/commands.h"
#include "cli/positional_command.h"

namespace pm {

namespace {

std::string joined(const std::vector<std::string>& targets) {
  std::string text;
  for (const auto& target : targets) text += (text.empty() ? "" : ", ") + target;
  return text;
}

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

struct ReloadOptions {
  std::vector<std::string> targets;
  int parallel = 1;
  bool update_env = false;
  std::vector<std::string> env;
  bool no_wait = false;
};

void add_reload_command(CLI::App& app) {
  auto options = std::make_shared<ReloadOptions>();
  auto* cmd = app.add_subcommand(
      "reload", "Replace instances one by one, each new one ready before the old one stops");
  cmd->add_option("targets", options->targets, "App names, instance ids, or all")->required();
  cmd->add_option("--parallel", options->parallel, "Replace this many instances at a time")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--update-env", options->update_env,
                "Give the apps the environment of this shell (and --env) from now on");
  cmd->add_option("--env", options->env, "With --update-env: also set KEY=VALUE (repeatable)")
      ->allow_extra_args(false);
  cmd->add_flag("--no-wait", options->no_wait, "Return at once; the reload goes on");
  cmd->callback([options] {
    json request{{field::kTargets, options->targets},
                 {field::kParallel, options->parallel},
                 {field::kWait, !options->no_wait}};
    if (options->update_env) request[field::kEnv] = environment_with(options->env);
    DaemonClient client(Paths::from_environment());
    client.stream(make_request(command::kReload, request), say_progress);
    if (options->no_wait) {
      say("reload started; follow it with `pm list`");
      return;
    }
    say("reloaded " + joined(options->targets));
    show_processes(client);
  });
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

void say_progress(const json& step) {
  say(step.value(field::kApp, "") + "[" + std::to_string(step.value(field::kId, -1)) + "] " +
      step.value(field::kMessage, ""));
  std::cout.flush();
}

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
