#pragma once
// AppSpec: what the user asked to run. Built by the CLI from flags, checked
// and completed by the daemon, kept by the supervisor for the app's lifetime.

#include <cstdint>
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
  std::vector<std::string> interpreter_args;
  int restart_delay_ms = 0;                // fixed delay before a restart; 0: backoff
  int exp_backoff_restart_delay_ms = 100;  // first backoff delay
  std::vector<int> stop_exit_codes;        // exits with these codes are not restarted
  std::int64_t max_memory_restart = 0;     // bytes; 0: no limit
  std::string cron_restart;                // 5-field cron expression
  std::string instance_var = "NODE_APP_INSTANCE";

  // Logs.
  std::string out_file;         // empty: $PM_HOME/logs/<name>-<id>-out.log; /dev/null: none
  std::string error_file;       // likewise for stderr
  bool merge_logs = false;      // one file per app, not per instance
  std::string log_date_format;  // strftime format prefixed to each line; empty: none
  std::int64_t log_max_size = 10 << 20;  // rotate a log file past this many bytes
  int log_max_files = 5;                 // rotated files kept: <file>.1 ... .N

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

/// Whether a log path setting turns that log off ("/dev/null" or "NULL").
bool log_disabled(const std::string& path);

}  // namespace pm
