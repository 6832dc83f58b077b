// `pm reload`: replace instances one by one, each new one ready before the
// old one stops (the rolling reload itself runs in pmd).

#include <iostream>

#include "cli/commands.h"

namespace pm {

namespace {

struct ReloadOptions {
  std::vector<std::string> targets;
  int parallel = 1;
  bool update_env = false;
  std::vector<std::string> env;
  bool no_wait = false;
};

}  // namespace

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

void say_progress(const json& step) {
  say(step.value(field::kApp, "") + "[" + std::to_string(step.value(field::kId, -1)) + "] " +
      step.value(field::kMessage, ""));
  std::cout.flush();
}

}  // namespace pm
