#pragma once
// AppSpec: what the user asked to run. Built by the CLI from flags, checked
// and completed by the daemon, kept by the supervisor for the app's lifetime.

#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/user_error.h"

namespace pm {

/// A spec that cannot be run; the message names the field and is shown as is.
class SpecError : public UserError {
 public:
  using UserError::UserError;
};

/// Everything needed to start and supervise one app's instances.
struct AppSpec {
  std::string name;
  std::string script;             // the file or command as the user gave it
  std::vector<std::string> args;  // extra arguments after the script
  std::string interpreter;        // empty: chosen from the script's extension
  std::string cwd;                // absolute
  std::map<std::string, std::string> env;
  int instances = 1;  // as requested: N, 0 = one per CPU, -N = CPUs minus N
  std::string kill_signal = "SIGINT";
  int kill_timeout_ms = 1600;
  int min_uptime_ms = 1000;
  int max_restarts = 16;
  bool autorestart = true;
  std::vector<std::string> listen;     // addresses pmd binds and passes (LISTEN_FDS)
  int listen_timeout_ms = 3000;        // online after this without a ready signal
  bool wait_ready = false;             // only an explicit ready signal counts
  bool shutdown_with_message = false;  // stop by sending "shutdown", not a signal

  /// The argv that is exec'd, filled in by the daemon (see resolve_argv).
  std::vector<std::string> argv;
};

nlohmann::json to_json(const AppSpec& spec);

/// Reads a spec sent by a client; throws SpecError naming the bad field.
AppSpec spec_from_json(const nlohmann::json& value);

/// Turns a requested instance count (N, 0 = max, -N) into a count >= 1.
int resolve_instances(int requested, int cpus);

/// Parses the `-i` flag: a number or "max".
int parse_instances(const std::string& text);

/// The default app name for a script: its file name without extension.
std::string default_app_name(const std::string& script);

}  // namespace pm
