// `pm start`: run a script or command as a supervised app.

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <iostream>

#include "cli/commands.h"
#include "cli/ecosystem.h"
#include "cli/ecosystem_file.h"
#include "cli/format.h"
#include "common/app_spec.h"
#include "common/command_line.h"
#include "common/signal_names.h"

extern char** environ;

namespace pm {

namespace {

struct StartOptions {
  std::string script;
  std::vector<std::string> args;
  std::string name;
  std::string instances = "1";
  std::string cwd;
  std::vector<std::string> env;
  std::string interpreter;
  bool no_autorestart = false;
  std::string kill_signal = "SIGINT";
  int kill_timeout = 1600;
  int max_restarts = 16;
  int min_uptime = 1000;
  std::vector<std::string> listen;
  int listen_timeout = 3000;
  bool wait_ready = false;
  bool no_wait = false;
  bool shutdown_with_message = false;
  std::string log_max_size = "10M";
  int log_max_files = 5;
  bool time = false;
  std::string log_date_format;
  bool merge_logs = false;
  std::string out_file;
  std::string error_file;
  std::string max_memory_restart;
  std::string cron_restart;
  int restart_delay = 0;
  int exp_backoff_restart_delay = 100;
  std::vector<int> stop_exit_codes;
  std::string interpreter_args;
  std::string instance_var = "NODE_APP_INSTANCE";
  std::vector<std::string> only;
};

std::string absolute(const std::string& path) {
  char here[PATH_MAX];
  if (!path.empty() && path[0] == '/') return path;
  if (!::getcwd(here, sizeof here)) throw UserError("cannot read the current directory");
  if (path.empty() || path == ".") return here;
  return std::string(here) + "/" + path;
}

/// The variables among --env values (KEY=VALUE), and the environment name.
std::vector<std::string> variables_in(const std::vector<std::string>& env, std::string& name) {
  std::vector<std::string> variables;
  for (const auto& value : env) {
    if (value.find('=') != std::string::npos)
      variables.push_back(value);
    else
      name = value;
  }
  return variables;
}

json build_spec(const StartOptions& options) {
  AppSpec spec;
  spec.script = options.script;
  spec.args = options.args;
  spec.name = options.name;
  spec.instances = parse_instances(options.instances);
  spec.cwd = absolute(options.cwd);
  spec.interpreter = options.interpreter;
  spec.autorestart = !options.no_autorestart;
  if (signal_number(options.kill_signal) == 0)
    throw UserError("--kill-signal: \"" + options.kill_signal + "\" is not a signal");
  spec.kill_signal = signal_name(signal_number(options.kill_signal));
  spec.kill_timeout_ms = options.kill_timeout;
  spec.max_restarts = options.max_restarts;
  spec.min_uptime_ms = options.min_uptime;
  spec.listen = options.listen;
  spec.listen_timeout_ms = options.listen_timeout;
  spec.wait_ready = options.wait_ready;
  spec.shutdown_with_message = options.shutdown_with_message;
  spec.log_max_size = parse_bytes(options.log_max_size);
  if (spec.log_max_size < 0)
    throw UserError("--log-max-size takes a size such as 10M (got \"" + options.log_max_size +
                    "\")");
  spec.log_max_files = options.log_max_files;
  spec.log_date_format = strftime_format(options.log_date_format);
  if (options.time && spec.log_date_format.empty()) spec.log_date_format = "%Y-%m-%dT%H:%M:%S";
  spec.merge_logs = options.merge_logs;
  spec.out_file = options.out_file.empty() || log_disabled(options.out_file)
                      ? options.out_file
                      : absolute(options.out_file);
  spec.error_file = options.error_file.empty() || log_disabled(options.error_file)
                        ? options.error_file
                        : absolute(options.error_file);
  if (!options.max_memory_restart.empty()) {
    spec.max_memory_restart = parse_bytes(options.max_memory_restart);
    if (spec.max_memory_restart <= 0)
      throw UserError("--max-memory-restart takes a size such as 300M (got \"" +
                      options.max_memory_restart + "\")");
  }
  spec.cron_restart = options.cron_restart;
  spec.restart_delay_ms = options.restart_delay;
  spec.exp_backoff_restart_delay_ms = options.exp_backoff_restart_delay;
  spec.stop_exit_codes = options.stop_exit_codes;
  if (!options.interpreter_args.empty())
    spec.interpreter_args = split_command(options.interpreter_args);
  spec.instance_var = options.instance_var;
  // The app sees the environment `pm start` was run with, as under PM2.
  std::string env_name;
  auto variables = variables_in(options.env, env_name);
  if (!env_name.empty())
    throw UserError("--env takes KEY=VALUE (got \"" + env_name +
                    "\"); a bare name is for ecosystem files");
  spec.env = environment_with(variables).get<std::map<std::string, std::string>>();
  json value = to_json(spec);
  value.erase("argv");
  return value;
}

void start_ecosystem(const std::string& file, const StartOptions& options) {
  std::string env_name;
  auto variables = variables_in(options.env, env_name);
  json specs = ecosystem_specs(file, env_name, options.only, environment_with(variables));
  DaemonClient client(Paths::from_environment());
  report_started(
      client, client.call(make_request("start", {{"specs", specs}, {"wait", !options.no_wait}})));
}

}  // namespace

void report_started(DaemonClient& client, const json& reply) {
  for (const auto& name : reply.value("names", json::array())) {
    auto count = std::count_if(reply["processes"].begin(), reply["processes"].end(),
                               [&](const json& row) { return row.value("name", "") == name; });
    say("started " + name.get<std::string>() + " (" + std::to_string(count) + " instance" +
        (count == 1 ? "" : "s") + ")");
  }
  print_process_table(client.call(make_request("list"))["processes"]);
  for (const auto& warning : reply.value("warnings", json::array()))
    std::cerr << "pm: warning: " << warning.get<std::string>() << "\n";
  const json& problems = reply.value("problems", json::array());
  for (const auto& problem : problems) {
    std::cerr << "pm: instance " << problem.value("id", 0) << ": " << problem.value("problem", "")
              << "\n";
    for (const auto& line : problem.value("stderr", json::array()))
      std::cerr << "    " << line.get<std::string>() << "\n";
  }
  if (!problems.empty()) throw UserError("not every instance started; see `pm logs`");
}

json environment_with(const std::vector<std::string>& overrides) {
  json env = json::object();
  for (char** entry = environ; *entry; ++entry) {
    std::string text(*entry);
    auto eq = text.find('=');
    if (eq != std::string::npos) env[text.substr(0, eq)] = text.substr(eq + 1);
  }
  for (const auto& pair : overrides) {
    auto eq = pair.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UserError("--env takes KEY=VALUE (got \"" + pair + "\")");
    env[pair.substr(0, eq)] = pair.substr(eq + 1);
  }
  return env;
}

void add_start_command(CLI::App& app) {
  auto options = std::make_shared<StartOptions>();
  auto* cmd = app.add_subcommand("start", "Start a script or command as an app");
  cmd->add_option("script", options->script,
                  "A file (.js runs under node, .py python3, .sh bash, else as is), a "
                  "command line, or an ecosystem file (ecosystem.config.js, *.json, Procfile; "
                  "default: the one here)");
  cmd->add_option("args", options->args, "Arguments for the app, after --");
  cmd->add_option("-n,--name", options->name, "App name (default: the script's name)");
  cmd->add_option("-i,--instances", options->instances,
                  "Instances: N, max (one per CPU), 0 (max), -N (CPUs minus N)");
  cmd->add_option("--cwd", options->cwd, "Working directory (default: here)");
  cmd->add_option("--only", options->only, "With an ecosystem file: only these apps (a,b)")
      ->delimiter(',');
  cmd->add_option("--env", options->env,
                  "KEY=VALUE sets a variable (repeatable); a bare NAME picks env_NAME of an "
                  "ecosystem file")
      ->allow_extra_args(false);
  cmd->add_option("--interpreter", options->interpreter,
                  "Run the script with this program (\"none\": run it as is)");
  cmd->add_flag("--no-autorestart", options->no_autorestart, "Do not restart after a crash");
  cmd->add_option("--kill-signal", options->kill_signal, "Signal for a graceful stop")
      ->capture_default_str();
  cmd->add_option("--kill-timeout", options->kill_timeout, "ms before SIGKILL after the signal")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--max-restarts", options->max_restarts,
                  "Unstable restarts in a row before errored")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--min-uptime", options->min_uptime, "ms a run must last to count as stable")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--listen", options->listen,
                  "Bind this address for the app and pass it at fd 3 (LISTEN_FDS): PORT, "
                  "HOST:PORT, [V6]:PORT or a socket path (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--listen-timeout", options->listen_timeout,
                  "ms to wait for a ready signal before counting an instance online")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--wait-ready", options->wait_ready,
                "Only an explicit signal (process.send('ready'), sd_notify READY=1) means ready");
  cmd->add_flag("--no-wait", options->no_wait, "Return at once instead of waiting for readiness");
  cmd->add_option("--log-max-size", options->log_max_size,
                  "Rotate a log file past this size (10M, 500K; 0: never)")
      ->capture_default_str();
  cmd->add_option("--log-max-files", options->log_max_files, "Rotated files kept per log")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--time", options->time, "Prefix each log line with a timestamp");
  cmd->add_option("--log-date-format", options->log_date_format,
                  "Timestamp format (\"YYYY-MM-DD HH:mm:ss\" or strftime)");
  cmd->add_flag("--merge-logs", options->merge_logs, "One log file per app, not per instance");
  cmd->add_option("-o,--output", options->out_file, "stdout log file (/dev/null: none)");
  cmd->add_option("-e,--error", options->error_file, "stderr log file (/dev/null: none)");
  cmd->add_option("--max-memory-restart", options->max_memory_restart,
                  "Reload an instance whose memory goes over this (300M, 1G)");
  cmd->add_option("--cron-restart", options->cron_restart,
                  "Reload on a cron schedule (\"0 3 * * *\")");
  cmd->add_option("--restart-delay", options->restart_delay,
                  "Fixed ms before a crashed instance restarts (instead of backoff)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--exp-backoff-restart-delay", options->exp_backoff_restart_delay,
                  "First ms of the restart backoff (x1.5 each time, up to 15 s)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--stop-exit-codes", options->stop_exit_codes,
                  "Exit codes that mean done, not crashed (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--interpreter-args,--node-args", options->interpreter_args,
                  "Arguments for the interpreter, before the script");
  cmd->add_option("--instance-var", options->instance_var,
                  "Environment variable holding the instance index")
      ->capture_default_str();
  cmd->add_flag("--shutdown-with-message", options->shutdown_with_message,
                "Stop instances by sending them the message \"shutdown\" instead of a signal");
  cmd->callback([options] {
    std::string file = options->script.empty() ? find_ecosystem_file() : options->script;
    if (file.empty())
      throw UserError(
          "start what? Name a script or command, or run it where an "
          "ecosystem.config.js, ecosystem.json or Procfile is");
    if (is_ecosystem_file(file)) {
      start_ecosystem(file, *options);
      return;
    }
    DaemonClient client(Paths::from_environment());
    json request{{"spec", build_spec(*options)}, {"wait", !options->no_wait}};
    report_started(client, client.call(make_request("start", request)));
  });
}

}  // namespace pm
