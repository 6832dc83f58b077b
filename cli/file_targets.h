#pragma once
// Ecosystem files named where apps are (`pm reload ecosystem.config.js
// --env production`, `pm stop Procfile --only web`): the file's apps, with
// the file's settings.

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "cli/daemon_client.h"

namespace pm {

/// The flags of a command whose targets may be ecosystem files. Owned by
/// the command's callback.
struct FileTargetOptions {
  std::vector<std::string> only;  // with a file: just these apps
  std::vector<std::string> env;   // KEY=VALUE, or a bare NAME picking a file's env_NAME
  bool update_env = false;        // give the apps this shell's environment
};

/// Adds --only to `cmd`, and --env and --update-env to a command that
/// `applies_settings` (restart, reload).
void add_file_target_options(CLI::App& cmd, FileTargetOptions& options, bool applies_settings);

/// Moves the ecosystem files out of `targets` and returns them.
std::vector<std::string> take_file_targets(std::vector<std::string>& targets);

/// The known apps of `files` (after --only), for stop and delete. Throws
/// UserError when the files name no known app.
std::vector<std::string> known_apps_of(DaemonClient& client, const std::vector<std::string>& files,
                                       const FileTargetOptions& options);

/// Starts the apps of `files` that are not known and restarts or reloads
/// (`action`) the others with the file's settings, printing the progress.
void deploy_files(DaemonClient& client, const std::vector<std::string>& files,
                  const std::string& action, const FileTargetOptions& options);

/// The environment a restart or reload gives the apps it names when asked
/// to update it (this shell's, with --env KEY=VALUE), or null. Throws
/// UserError for --env with no file to take it to and no --update-env.
nlohmann::json updated_env(const FileTargetOptions& options, bool files_named);

}  // namespace pm
