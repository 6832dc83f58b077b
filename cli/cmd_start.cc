// `pm start`: run a script or command as a supervised app.

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <iostream>
#include <iterator>

#include "cli/commands.h"
#include "cli/ecosystem.h"
#include "cli/ecosystem_file.h"
#include "cli/format.h"
#include "cli/start_outcome.h"
#include "cli/terminal_text.h"
#include "common/app_spec.h"
#include "common/command_line.h"
#include "common/signal_names.h"

extern char** environ;

namespace pm {

namespace {

/// A size as the flags take it: "10M" rather than 10485760.
std::string size_text(std::int64_t bytes) {
  for (const auto& [unit, scale] : {std::pair{"G", 1LL << 30}, {"M", 1LL << 20}, {"K", 1LL << 10}})
    if (bytes >= scale && bytes % scale == 0) return std::to_string(bytes / scale) + unit;
  return std::to_string(bytes);
}

/// What `pm start` was given. Flags that are a spec field as is fill `spec`,
/// so they start from AppSpec's defaults; the rest are read by build_spec.
struct StartOptions {
  AppSpec spec;
  std::string instances = std::to_string(spec.instances);
  std::vector<std::string> env;
  bool no_autorestart = false;
  bool no_wait = false;
  std::string log_max_size = size_text(spec.log_max_size);
  bool time = false;
  std::string max_memory_restart;
  std::string interpreter_args;
  std::vector<std::string> only;
  bool force = false;
  // PM2's fork mode (-x); pm runs every program alike, so it changes nothing.
  bool execute_command = false;
  bool watch = false;                    // --watch given, with or without paths
  std::vector<std::string> watch_paths;  // its paths (comma-separated), else the cwd
};

std::string absolute(const std::string& path) {
  char here[PATH_MAX];
  if (!path.empty() && path[0] == '/') return path;
  if (!::getcwd(here, sizeof here)) throw UserError("cannot read the current directory");
  if (path.empty() || path == ".") return here;
  return std::string(here) + "/" + path;
}

/// "a,b" as its parts, without empty ones.
std::vector<std::string> split_list(const std::string& list) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    if (end > start) parts.push_back(list.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

std::string absolute_in(const std::string& path, const std::string& dir) {
  return !path.empty() && path[0] == '/' ? path : dir + "/" + path;
}

json build_spec(const StartOptions& options) {
  AppSpec spec = options.spec;
  spec.instances = parse_instances(options.instances);
  spec.cwd = absolute(spec.cwd);
  if (options.no_autorestart) spec.autorestart = false;
  if (!spec.kill_signal.empty()) {
    if (signal_number(spec.kill_signal) == 0)
      throw UserError("--kill-signal: \"" + spec.kill_signal +
                      "\" is not a signal; give a name such as SIGTERM (see `kill -l`)");
    spec.kill_signal = signal_name(signal_number(spec.kill_signal));
  }
  spec.log_max_size = parse_bytes(options.log_max_size);
  if (spec.log_max_size < 0)
    throw UserError("--log-max-size takes a size such as 10M (got \"" + options.log_max_size +
                    "\")");
  spec.log_date_format = strftime_format(spec.log_date_format);
  if (options.time && spec.log_date_format.empty()) spec.log_date_format = kTimeLogDateFormat;
  for (std::string* file : {&spec.out_file, &spec.error_file, &spec.log_file, &spec.pid_file})
    if (!file->empty() && !log_disabled(*file)) *file = absolute(*file);
  if (!options.max_memory_restart.empty()) {
    spec.max_memory_restart = parse_bytes(options.max_memory_restart);
    if (spec.max_memory_restart <= 0)
      throw UserError("--max-memory-restart takes a size such as 300M (got \"" +
                      options.max_memory_restart + "\")");
  }
  if (!options.interpreter_args.empty())
    spec.interpreter_args = split_command(options.interpreter_args);
  if (options.watch) {
    spec.watch.clear();
    for (const auto& list : options.watch_paths)
      for (const auto& path : split_list(list)) spec.watch.push_back(absolute_in(path, spec.cwd));
    if (spec.watch.empty()) spec.watch.push_back(spec.cwd);
  }
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
  // --namespace is for the apps the file leaves in the default one.
  for (auto& spec : specs)
    if (spec.value("namespace", "default") == "default")
      spec["namespace"] = options.spec.namespace_name;
  DaemonClient client(Paths::from_environment());
  report_started(client,
                 client.call(make_request(
                     command::kStart, {{field::kSpecs, specs}, {field::kWait, !options.no_wait}})));
}

}  // namespace

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

void report_started(DaemonClient& client, const json& reply) {
  auto rows = reply.value(field::kProcesses, std::vector<ProcessRow>());
  for (const auto& name : reply.value(field::kNames, std::vector<std::string>())) {
    std::vector<ProcessRow> own;
    std::copy_if(rows.begin(), rows.end(), std::back_inserter(own),
                 [&](const ProcessRow& row) { return row.name == name; });
    say("started " + name + " (" + std::to_string(own.size()) + " instance" +
        (own.size() == 1 ? "" : "s") + "): " + start_outcome(own));
  }
  show_processes(client);
  for (const auto& warning : reply.value(field::kWarnings, json::array()))
    std::cerr << "pm: warning: " << warning.get<std::string>() << "\n";
  const json& problems = reply.value(field::kProblems, json::array());
  for (const auto& problem : problems) {
    std::cerr << "pm: instance " << problem.value(field::kId, 0) << ": "
              << problem.value(field::kProblem, "") << "\n";
    for (const auto& line : problem.value(field::kStderr, json::array()))
      std::cerr << "    " << terminal_safe(line.get<std::string>(), true) << "\n";
  }
  if (!problems.empty()) throw UserError("not every instance started; see `pm logs`");
  const json& log_problems = reply.value(field::kLogProblems, json::array());
  for (const auto& problem : log_problems)
    std::cerr << "pm: instance " << problem.value(field::kId, 0) << ": "
              << problem.value(field::kProblem, "") << "\n";
  if (!log_problems.empty())
    throw UserError(
        "its logs cannot be written where asked; it runs, and pm retries with each line: fix "
        "the path or its permissions, or `pm delete` it and start it with another path");
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

void add_start_command(CLI::App& app, const std::vector<std::string>& program_args) {
  auto options = std::make_shared<StartOptions>();
  auto* cmd = app.add_subcommand("start", "Start a script or command as an app");
  cmd->add_option("script", options->spec.script,
                  "A file (.js runs under node, .py python3, .rb ruby, .sh bash, .pl perl, .php "
                  "php, .coffee coffee, else as is), a "
                  "command line, an ecosystem file (ecosystem.config.js, *.json, *.json5, *.yml, "
                  "package.json, Procfile; - reads one from stdin; default: the one here), or a "
                  "known app, namespace or id to start again; several start one after the other");
  cmd->add_option("args", options->spec.args,
                  "More scripts to start; after --, the app's arguments");
  cmd->add_option("--namespace", options->spec.namespace_name,
                  "Namespace of the app, a target naming all its apps")
      ->capture_default_str();
  cmd->add_option("-n,--name", options->spec.name, "App name (default: the script's name)");
  cmd->add_option("-i,--instances", options->instances,
                  "Instances: N, max (one per CPU), 0 (max), -N (CPUs minus N)");
  cmd->add_flag("-f,--force", options->force,
                "Start even if an app of this name runs: one more instance of it (as PM2)");
  cmd->add_flag("-x,--execute-command", options->execute_command,
                "PM2's fork mode; accepted, and the same as without it (see man page)");
  cmd->add_option("--cwd", options->spec.cwd, "Working directory (default: here)");
  cmd->add_option("--only", options->only, "With an ecosystem file: only these apps (a,b)")
      ->delimiter(',');
  cmd->add_option("--env", options->env,
                  "KEY=VALUE sets a variable (repeatable); a bare NAME picks env_NAME of an "
                  "ecosystem file")
      ->allow_extra_args(false);
  cmd->add_option("--interpreter", options->spec.interpreter,
                  "Run the script with this program (\"none\": run it as is)");
  cmd->add_flag("--no-autorestart", options->no_autorestart, "Do not restart after a crash");
  cmd->add_option("--kill-signal", options->spec.kill_signal,
                  "Signal for a graceful stop (default: a known server's own, such as SIGQUIT "
                  "for nginx; else SIGINT)");
  cmd->add_option("--kill-timeout", options->spec.kill_timeout_ms,
                  "ms before SIGKILL after the signal")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--max-restarts", options->spec.max_restarts,
                  "Unstable restarts in a row before errored")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--min-uptime", options->spec.min_uptime_ms,
                  "ms a run must last to count as stable")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--listen", options->spec.listen,
                  "Bind this address for the app and pass it at fd 3 (LISTEN_FDS): PORT, "
                  "HOST:PORT, [V6]:PORT or a socket path (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--listen-timeout", options->spec.listen_timeout_ms,
                  "ms to wait for a ready signal before counting an instance online")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--wait-ready", options->spec.wait_ready,
                "Only an explicit signal (process.send('ready'), sd_notify READY=1) means ready");
  cmd->add_flag("--sticky", options->spec.sticky,
                "Send each client address to the same instance while the instances stay the same");
  cmd->add_flag("!--no-defer-accept", options->spec.defer_accept,
                "For servers that speak first (SMTP, SSH, MySQL): hand each connection over at "
                "once, not with its first bytes");
  cmd->add_flag("--no-wait", options->no_wait, "Return at once instead of waiting for readiness");
  cmd->add_option("--log-max-size", options->log_max_size,
                  "Rotate a log file past this size (10M, 500K; 0: never)")
      ->capture_default_str();
  cmd->add_option("--log-max-files", options->spec.log_max_files, "Rotated files kept per log")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--time", options->time, "Prefix each log line with a timestamp");
  cmd->add_option("--log-date-format", options->spec.log_date_format,
                  "Timestamp format (\"YYYY-MM-DD HH:mm:ss\" or strftime)");
  cmd->add_flag("--merge-logs", options->spec.merge_logs, "One log file per app, not per instance");
  cmd->add_option("-o,--output", options->spec.out_file, "stdout log file (/dev/null: none)");
  cmd->add_option("-e,--error", options->spec.error_file, "stderr log file (/dev/null: none)");
  cmd->add_option("-l,--log", options->spec.log_file,
                  "One more log file with stdout and stderr together");
  cmd->add_option("--log-type", options->spec.log_type,
                  "json: each log line as a JSON object (message, timestamp, type, process_id, "
                  "app_name)")
      ->check(CLI::IsMember({"json"}));
  cmd->add_option("-p,--pid", options->spec.pid_file,
                  "Write each instance's pid to this file (app.pid: app-<id>.pid, as PM2)");
  cmd->add_option("--max-memory-restart", options->max_memory_restart,
                  "Reload an instance whose memory goes over this (300M, 1G)");
  auto* watch = cmd->add_option("--watch", options->watch_paths,
                                "Reload when files change: these paths (a,b; default: the "
                                "app's directory), node_modules, .git and *.log aside");
  watch->expected(0, 1)->allow_extra_args(false);
  cmd->add_option("--ignore-watch", options->spec.ignore_watch,
                  "With --watch: names or paths to leave out (globs; repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--watch-delay", options->spec.watch_delay_ms,
                  "With --watch: ms of quiet after a change before the reload")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--cron-restart", options->spec.cron_restart,
                  "Reload on a cron schedule (\"0 3 * * *\")");
  cmd->add_option("--restart-delay", options->spec.restart_delay_ms,
                  "Fixed ms before a crashed instance restarts (instead of backoff)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--exp-backoff-restart-delay", options->spec.exp_backoff_restart_delay_ms,
                  "First ms of the restart backoff (x1.5 each time, up to 15 s)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--stop-exit-codes", options->spec.stop_exit_codes,
                  "Exit codes that mean done, not crashed (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--interpreter-args,--node-args", options->interpreter_args,
                  "Arguments for the interpreter, before the script");
  cmd->add_option("--instance-var", options->spec.instance_var,
                  "Environment variable holding the instance index")
      ->capture_default_str();
  cmd->add_flag("--shutdown-with-message", options->spec.shutdown_with_message,
                "Stop instances by sending them the message \"shutdown\" instead of a signal");
  cmd->callback([options, program_args, watch] {
    options->watch = watch->count() > 0;
    // As PM2: each word before `--` is something to start, those after it
    // are the program's arguments.
    std::vector<std::string> words = options->spec.args;
    if (!options->spec.script.empty()) words.insert(words.begin(), options->spec.script);
    if (words.empty() && program_args.empty()) words.push_back(find_ecosystem_file());
    if (words.empty() || words[0].empty())
      throw UserError(
          "start what? Name a script or command, or run it where an "
          "ecosystem.config.js, ecosystem.json or Procfile is");
    if (words.size() > 1 && !options->spec.name.empty())
      throw UserError("--name names one app, and " + std::to_string(words.size()) +
                      " were given (" + joined(words) + "); start them one by one");
    for (const auto& word : words) {
      if (is_ecosystem_file(word)) {
        start_ecosystem(word, *options);
        continue;
      }
      StartOptions one = *options;
      one.spec.script = word;
      one.spec.args = program_args;
      DaemonClient client(Paths::from_environment());
      json request{{field::kSpec, build_spec(one)},
                   {field::kWait, !options->no_wait},
                   {field::kForce, options->force}};
      report_started(client, client.call(make_request(command::kStart, request)));
    }
  });
}

}  // namespace pm
