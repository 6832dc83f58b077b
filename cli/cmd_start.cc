// `pm start`: run a script or command as a supervised app.

#include <unistd.h>

#include <climits>
#include <iostream>

#include "cli/commands.h"
#include "common/app_spec.h"
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
};

std::string absolute(const std::string& path) {
  char here[PATH_MAX];
  if (!path.empty() && path[0] == '/') return path;
  if (!::getcwd(here, sizeof here)) throw CliError("cannot read the current directory");
  if (path.empty() || path == ".") return here;
  return std::string(here) + "/" + path;
}

json build_spec(const StartOptions& options) {
  AppSpec spec;
  spec.script = options.script;
  spec.args = options.args;
  spec.name = options.name;
  try {
    spec.instances = parse_instances(options.instances);
  } catch (const SpecError& error) {
    throw CliError(error.what());
  }
  spec.cwd = absolute(options.cwd);
  spec.interpreter = options.interpreter;
  spec.autorestart = !options.no_autorestart;
  if (signal_number(options.kill_signal) == 0)
    throw CliError("--kill-signal: \"" + options.kill_signal + "\" is not a signal");
  spec.kill_signal = signal_name(signal_number(options.kill_signal));
  spec.kill_timeout_ms = options.kill_timeout;
  spec.max_restarts = options.max_restarts;
  spec.min_uptime_ms = options.min_uptime;
  spec.listen = options.listen;
  spec.listen_timeout_ms = options.listen_timeout;
  spec.wait_ready = options.wait_ready;
  spec.shutdown_with_message = options.shutdown_with_message;
  // The app sees the environment `pm start` was run with, as under PM2.
  spec.env = environment_with(options.env).get<std::map<std::string, std::string>>();
  json value = to_json(spec);
  value.erase("argv");
  return value;
}

}  // namespace

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
      throw CliError("--env takes KEY=VALUE (got \"" + pair + "\")");
    env[pair.substr(0, eq)] = pair.substr(eq + 1);
  }
  return env;
}

void add_start_command(CLI::App& app) {
  auto options = std::make_shared<StartOptions>();
  auto* cmd = app.add_subcommand("start", "Start a script or command as an app");
  cmd->add_option("script", options->script,
                  "A file (.js runs under node, .py python3, .sh bash, else as is) or a "
                  "command line")
      ->required();
  cmd->add_option("args", options->args, "Arguments for the app, after --");
  cmd->add_option("-n,--name", options->name, "App name (default: the script's name)");
  cmd->add_option("-i,--instances", options->instances,
                  "Instances: N, max (one per CPU), 0 (max), -N (CPUs minus N)");
  cmd->add_option("--cwd", options->cwd, "Working directory (default: here)");
  cmd->add_option("--env", options->env, "Set an environment variable, KEY=VALUE (repeatable)")
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
  cmd->add_flag("--shutdown-with-message", options->shutdown_with_message,
                "Stop instances by sending them the message \"shutdown\" instead of a signal");
  cmd->callback([options] {
    DaemonClient client(Paths::from_environment());
    json request{{"spec", build_spec(*options)}, {"wait", !options->no_wait}};
    json reply = client.call(make_request("start", request));
    say("started " + reply["name"].get<std::string>() + " (" +
        std::to_string(reply["processes"].size()) + " instance" +
        (reply["processes"].size() == 1 ? "" : "s") + ")");
    print_process_table(client.call(make_request("list"))["processes"]);
    const json& problems = reply.value("problems", json::array());
    for (const auto& problem : problems) {
      std::cerr << "pm: instance " << problem.value("id", 0) << ": " << problem.value("problem", "")
                << "\n";
      for (const auto& line : problem.value("stderr", json::array()))
        std::cerr << "    " << line.get<std::string>() << "\n";
    }
    if (!problems.empty()) throw CliError("not every instance started; see `pm logs`");
  });
}

}  // namespace pm
