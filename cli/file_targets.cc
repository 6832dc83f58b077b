#include "cli/file_targets.h"

#include <algorithm>

#include "cli/commands.h"
#include "cli/ecosystem_file.h"

namespace pm {

void add_file_target_options(CLI::App& cmd, FileTargetOptions& options, bool applies_settings) {
  cmd.add_option("--only", options.only, "With an ecosystem file: only these apps (a,b)")
      ->delimiter(',');
  if (!applies_settings) return;
  cmd.add_option("--env", options.env,
                 "With an ecosystem file: NAME merges its env_NAME; KEY=VALUE sets a variable "
                 "(with --update-env or a file; repeatable)")
      ->allow_extra_args(false);
  cmd.add_flag("--update-env", options.update_env,
               "Give the apps the environment of this shell (and --env) from now on");
}

std::vector<std::string> take_file_targets(std::vector<std::string>& targets) {
  std::vector<std::string> files;
  auto is_file = [](const std::string& target) { return is_ecosystem_file(target); };
  std::copy_if(targets.begin(), targets.end(), std::back_inserter(files), is_file);
  targets.erase(std::remove_if(targets.begin(), targets.end(), is_file), targets.end());
  return files;
}

std::vector<std::string> known_apps_of(DaemonClient& client, const std::vector<std::string>& files,
                                       const FileTargetOptions& options) {
  auto rows = list_processes(client);
  std::vector<std::string> known;
  std::string declared;
  for (const auto& file : files) {
    for (const auto& spec : load_ecosystem(file, "", options.only).apps) {
      declared += (declared.empty() ? "" : ", ") + spec.name;
      bool runs = std::any_of(rows.begin(), rows.end(),
                              [&](const ProcessRow& row) { return row.name == spec.name; });
      if (runs && std::find(known.begin(), known.end(), spec.name) == known.end())
        known.push_back(spec.name);
    }
  }
  if (known.empty())
    throw UserError("no app of " + joined(files) +
                    " is known to pm (the file has: " + (declared.empty() ? "none" : declared) +
                    "); start them with `pm start " + files[0] + "`");
  return known;
}

void deploy_files(DaemonClient& client, const std::vector<std::string>& files,
                  const std::string& action, const FileTargetOptions& options) {
  std::string env_name;
  auto variables = variables_in(options.env, env_name);
  json base_env = environment_with(variables);
  for (const auto& file : files) {
    json specs = ecosystem_specs(file, env_name, options.only, base_env);
    if (specs.empty()) throw UserError(file + " has no app named " + joined(options.only));
    json reply = client.stream(
        make_request(command::kApply, {{field::kSpecs, specs}, {field::kAction, action}}),
        say_progress);
    for (const auto& entry : reply[field::kApps])
      say(entry.value(field::kAction, "") + " " + entry.value(field::kName, ""));
  }
}

json updated_env(const FileTargetOptions& options, bool files_named) {
  std::string env_name;
  auto variables = variables_in(options.env, env_name);
  if (!env_name.empty() && !files_named)
    throw UserError("--env " + env_name + " picks env_" + env_name +
                    " of an ecosystem file; name the file too (`pm reload ecosystem.config.js "
                    "--env " +
                    env_name + "`)");
  if (options.update_env) return environment_with(variables);
  if (!variables.empty() && !files_named)
    throw UserError("--env KEY=VALUE needs --update-env (or an ecosystem file)");
  return nullptr;
}

}  // namespace pm
