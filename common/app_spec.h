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
  std::string namespace_name = "default";  // a group of apps that commands can target
  std::string script;                      // the file or command as the user gave it
  std::vector<std::string> args;           // extra arguments after the script
  std::string interpreter;                 // empty: chosen from the script's extension
  std::string cwd;                         // absolute
  std::map<std::string, std::string> env;
  int instances = 1;               // as requested: N, 0 = one per CPU, -N = CPUs minus N
  std::string kill_signal;         // empty: pm chooses (see choose_kill_signal)
  std::string kill_signal_reason;  // why pm chose kill_signal; empty: the user gave it
  int kill_timeout_ms = 1600;
  int min_uptime_ms = 1000;
  int max_restarts = 16;
  bool autorestart = true;
  std::vector<std::string> listen;     // addresses pmd binds and passes (LISTEN_FDS)
  int listen_timeout_ms = 3000;        // online after this without a ready signal
  bool wait_ready = false;             // only an explicit ready signal counts
  bool sticky = false;                 // a client address always reaches the same instance
  bool defer_accept = true;            // a connection reaches an instance with its first bytes
  bool shutdown_with_message = false;  // stop by sending "shutdown", not a signal
  std::vector<std::string> interpreter_args;
  int restart_delay_ms = 0;                // fixed delay before a restart; 0: backoff
  int exp_backoff_restart_delay_ms = 100;  // first backoff delay
  std::vector<int> stop_exit_codes;        // exits with these codes are not restarted
  std::int64_t max_memory_restart = 0;     // bytes; 0: no limit
  std::string cron_restart;                // 5-field cron expression
  std::string instance_var = "NODE_APP_INSTANCE";
  std::string increment_var;  // env variable counting up per instance from its env value
  std::string pid_file;       // empty: none; else absolute, named per instance (see pid_file_path)
  std::vector<std::string> watch;         // absolute paths whose changes reload; empty: none
  std::vector<std::string> ignore_watch;  // patterns besides node_modules, .git and *.log
  int watch_delay_ms = 1000;              // quiet time after a change before the reload

  // Logs.
  std::string out_file;         // empty: $PM_HOME/logs/<name>-<index>-out.log; /dev/null: none
  std::string error_file;       // likewise for stderr
  std::string log_file;         // out and err together, besides their own files; empty: none
  std::string log_type;         // "json": one JSON object per line (PM2's keys); empty: as written
  bool merge_logs = false;      // one file per app, not per instance
  std::string log_date_format;  // strftime format prefixed to each line; empty: none
  std::int64_t log_max_size = 10 << 20;  // rotate a log file past this many bytes
  int log_max_files = 5;                 // rotated files kept: <file>.1 ... .N

  /// The argv that is exec'd, filled in by the daemon (see resolve_argv).
  std::vector<std::string> argv;
};

/// How an ecosystem file (PM2's forms) may write a field's value.
enum class EcosystemForm {
  None,       // not read from ecosystem files
  Text,       // a string
  Flag,       // true or false
  Whole,      // a whole number
  Instances,  // a number or "max"
  Duration,   // milliseconds, or a string such as "10s"
  Size,       // bytes, or a string such as "300M"
  Words,      // a list, or one string split like a shell command line
  List,       // a list, or one value
  ExitCodes,  // a list of exit codes, or one
  Env,        // an object of variables
};

/// One AppSpec field as written down: its name in JSON (on the wire, in
/// dump.json, in ecosystem files), another name ecosystem files may give it
/// (PM2's), and how ecosystem files write it.
struct SpecField {
  const char* name;
  EcosystemForm form;
  const char* alias = nullptr;
};

/// Calls `visit(SpecField, member)` for each field of `spec` (an AppSpec,
/// const or not). The one list of fields: JSON in both directions and the
/// ecosystem reader follow it; a field's default is its initialiser above.
template <typename Spec, typename Visit>
void visit_fields(Spec& spec, Visit&& visit) {
  using Form = EcosystemForm;
  visit(SpecField{"name", Form::Text}, spec.name);
  visit(SpecField{"namespace", Form::Text}, spec.namespace_name);
  visit(SpecField{"script", Form::Text}, spec.script);
  visit(SpecField{"args", Form::Words}, spec.args);
  visit(SpecField{"interpreter", Form::Text}, spec.interpreter);
  visit(SpecField{"cwd", Form::Text}, spec.cwd);
  visit(SpecField{"env", Form::Env}, spec.env);
  visit(SpecField{"instances", Form::Instances}, spec.instances);
  visit(SpecField{"kill_signal", Form::Text}, spec.kill_signal);
  visit(SpecField{"kill_signal_reason", Form::None}, spec.kill_signal_reason);
  visit(SpecField{"kill_timeout", Form::Duration}, spec.kill_timeout_ms);
  visit(SpecField{"min_uptime", Form::Duration}, spec.min_uptime_ms);
  visit(SpecField{"max_restarts", Form::Whole}, spec.max_restarts);
  visit(SpecField{"autorestart", Form::Flag}, spec.autorestart);
  visit(SpecField{"argv", Form::None}, spec.argv);
  visit(SpecField{"listen", Form::List}, spec.listen);
  visit(SpecField{"listen_timeout", Form::Duration}, spec.listen_timeout_ms);
  visit(SpecField{"wait_ready", Form::Flag}, spec.wait_ready);
  visit(SpecField{"sticky", Form::Flag}, spec.sticky);
  visit(SpecField{"defer_accept", Form::Flag}, spec.defer_accept);
  visit(SpecField{"shutdown_with_message", Form::Flag}, spec.shutdown_with_message);
  visit(SpecField{"interpreter_args", Form::Words, "node_args"}, spec.interpreter_args);
  visit(SpecField{"restart_delay", Form::Duration}, spec.restart_delay_ms);
  visit(SpecField{"exp_backoff_restart_delay", Form::Duration}, spec.exp_backoff_restart_delay_ms);
  visit(SpecField{"stop_exit_codes", Form::ExitCodes}, spec.stop_exit_codes);
  visit(SpecField{"max_memory_restart", Form::Size}, spec.max_memory_restart);
  visit(SpecField{"cron_restart", Form::Text}, spec.cron_restart);
  visit(SpecField{"instance_var", Form::Text}, spec.instance_var);
  visit(SpecField{"increment_var", Form::Text}, spec.increment_var);
  visit(SpecField{"pid_file", Form::Text, "pid"}, spec.pid_file);
  visit(SpecField{"watch", Form::List}, spec.watch);
  visit(SpecField{"ignore_watch", Form::List}, spec.ignore_watch);
  visit(SpecField{"watch_delay", Form::Duration}, spec.watch_delay_ms);
  visit(SpecField{"out_file", Form::Text}, spec.out_file);
  visit(SpecField{"error_file", Form::Text}, spec.error_file);
  visit(SpecField{"log_file", Form::Text, "log"}, spec.log_file);
  visit(SpecField{"log_type", Form::Text}, spec.log_type);
  visit(SpecField{"merge_logs", Form::Flag}, spec.merge_logs);
  visit(SpecField{"log_date_format", Form::Text}, spec.log_date_format);
  visit(SpecField{"log_max_size", Form::Size}, spec.log_max_size);
  visit(SpecField{"log_max_files", Form::Whole}, spec.log_max_files);
}

nlohmann::json to_json(const AppSpec& spec);

/// The longest app name: "<name>-<index>-error.log.<n>" must fit a file name.
inline constexpr std::size_t kMaxAppNameLength = 128;

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
