// `pm reload`: replace instances one by one, each new one ready before the
// old one stops (the rolling reload itself runs in pmd).

#include <iostream>

#include "cli/commands.h"
#include "cli/file_targets.h"

namespace pm {

namespace {

struct ReloadOptions {
  std::vector<std::string> targets;
  int parallel = 1;
  FileTargetOptions files;
  bool no_wait = false;
};

}  // namespace

void add_reload_command(CLI::App& app) {
  auto options = std::make_shared<ReloadOptions>();
  auto* cmd = app.add_subcommand(
      "reload", "Replace instances one by one, each new one ready before the old one stops");
  cmd->add_option("targets", options->targets,
                  "App names, instance ids, all, namespaces, scripts, /regex/ on names, or "
                  "ecosystem files (apps not running start)")
      ->required();
  cmd->add_option("--parallel", options->parallel, "Replace this many instances at a time")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  add_file_target_options(*cmd, options->files, true);
  cmd->add_flag("--no-wait", options->no_wait, "Return at once; the reload goes on");
  cmd->callback([options] {
    auto names = options->targets;
    auto files = take_file_targets(names);
    json env = updated_env(options->files, !files.empty());
    DaemonClient client(Paths::from_environment());
    if (!files.empty()) deploy_files(client, files, "reload", options->files);
    if (!names.empty()) {
      json request{{field::kTargets, names},
                   {field::kParallel, options->parallel},
                   {field::kWait, !options->no_wait}};
      if (!env.is_null()) request[field::kEnv] = env;
      client.stream(make_request(command::kReload, request), say_progress);
    }
    if (options->no_wait && !names.empty()) {
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
