// `pm list` and `pm describe`: what runs, as a table or in detail.

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <iostream>

#include "cli/commands.h"
#include "cli/format.h"
#include "cli/positional_command.h"
#include "cli/terminal_text.h"
#include "common/instance_details.h"

namespace pm {

bool stdout_is_tty() {
  static const bool tty = ::isatty(STDOUT_FILENO) == 1;
  return tty;
}

std::string joined(const std::vector<std::string>& targets) {
  std::string text;
  for (const auto& target : targets) text += (text.empty() ? "" : ", ") + target;
  return text;
}

void say(const std::string& message) {
  std::cout << "[pm] " << terminal_safe(message) << "\n";
}

namespace {

int terminal_width() {
  winsize size{};
  if (stdout_is_tty() && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
    return size.ws_col;
  return 0;
}

std::string status_colour(const std::string& status) {
  if (status == "online") return "32";
  if (status == "errored") return "31";
  if (status == "stopped") return "90";
  return "33";
}

std::string format_cpu(double cpu) {
  char text[16];
  std::snprintf(text, sizeof text, "%.0f%%", cpu);
  return text;
}

}  // namespace

std::vector<ProcessRow> list_processes(DaemonClient& client) {
  return client.call(make_request(command::kList))[field::kProcesses]
      .get<std::vector<ProcessRow>>();
}

void print_process_table(const std::vector<ProcessRow>& rows) {
  // As PM2's, with a namespace column once some app is not in "default".
  bool namespaces = std::any_of(rows.begin(), rows.end(), [](const ProcessRow& row) {
    return !row.namespace_name.empty() && row.namespace_name != "default";
  });
  std::vector<Table::Column> columns = {{"id"}, {"name", false, true}};
  if (namespaces) columns.push_back({"namespace", true});
  for (const char* title : {"mode", "listen"}) columns.push_back({title, true});
  columns.insert(
      columns.end(),
      {{"pid"}, {"uptime", true}, {"↺"}, {"status"}, {"ready"}, {"cpu", true}, {"mem", true}});
  Table table(columns);
  for (const auto& row : rows) {
    bool running = row.pid > 0;
    std::vector<Cell> cells = {{std::to_string(row.id), "36"}, {terminal_safe(row.name), "1"}};
    if (namespaces) cells.push_back({terminal_safe(row.namespace_name), ""});
    cells.insert(cells.end(),
                 {{row.mode, ""},
                  {row.listen.empty() ? "-" : terminal_safe(row.listen), ""},
                  {running ? std::to_string(row.pid) : "-", ""},
                  {running ? format_duration(row.uptime_ms) : "-", ""},
                  {std::to_string(row.restarts), ""},
                  {row.status, status_colour(row.status)},
                  {running ? (row.ready ? "yes" : "no") : "-", row.ready ? "32" : "33"},
                  {running ? format_cpu(row.cpu) : "-", ""},
                  {running ? format_bytes(row.memory) : "-", ""}});
    table.add_row(std::move(cells));
  }
  std::cout << table.render(terminal_width(), stdout_is_tty());
}

void show_processes(DaemonClient& client) {
  print_process_table(list_processes(client));
}

namespace {

std::string or_dash(const std::string& text) {
  return text.empty() ? "-" : text;
}

std::string local_time(std::int64_t ms) {
  std::time_t seconds = ms / 1000;
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", std::localtime(&seconds));
  return text;
}

/// A multi-line value (a reload error quoting the program's stderr) goes on
/// as many lines, indented under the first, rather than as escaped newlines.
void print_line(const std::string& key, const std::string& value) {
  std::size_t start = 0;
  std::string label = key;
  do {
    std::size_t end = value.find('\n', start);
    std::string line = value.substr(start, end == std::string::npos ? end : end - start);
    std::printf("  %-18s %s\n", label.c_str(), terminal_safe(line).c_str());
    label.clear();
    start = end == std::string::npos ? end : end + 1;
  } while (start != std::string::npos && start < value.size());
}

void print_exit(const ExitRecord& exit) {
  print_line("exit", local_time(exit.at) + "  pid " + std::to_string(exit.pid) + "  " + exit.exit +
                         " after " + format_duration(exit.uptime_ms) +
                         (exit.stopped ? " (stopped)" : " (crashed)"));
}

/// The signal and who chose it, so that a surprising one explains itself.
std::string kill_signal_text(const AppSpec& spec) {
  if (spec.kill_signal_reason.empty()) return spec.kill_signal + " (--kill-signal)";
  return spec.kill_signal + " (" + spec.kill_signal_reason + "; --kill-signal to change)";
}

void print_describe(const InstanceDetails& instance) {
  const AppSpec& spec = instance.spec;
  const ProcessRow& process = instance.process;
  std::string argv;
  for (const auto& arg : spec.argv) argv += (argv.empty() ? "" : " ") + arg;
  bool running = process.pid > 0;

  std::printf("%s [%d]\n", terminal_safe(spec.name).c_str(), process.id);
  print_line("status", process.status);
  print_line("namespace", spec.namespace_name);
  print_line("pid", running ? std::to_string(process.pid) : "-");
  print_line("uptime", running ? format_duration(process.uptime_ms) : "-");
  print_line("restarts", std::to_string(process.restarts));
  print_line("unstable restarts", std::to_string(instance.unstable_restarts));
  print_line("last exit", or_dash(instance.last_exit));
  if (!instance.error.empty()) print_line("error", instance.error);
  if (!instance.reload_error.empty()) print_line("last reload", "failed: " + instance.reload_error);
  if (!instance.start_warning.empty()) print_line("warning", instance.start_warning);
  print_line("command", argv);
  print_line("listen", or_dash(process.listen));
  print_line("socket from", or_dash(instance.socket_via));
  if (!process.listen.empty()) {
    print_line("balance", spec.sticky ? "sticky (by client address)"
                                      : "even (each connection to a random ready instance)");
    print_line("accept", spec.defer_accept ? "a connection with its first bytes (TCP_DEFER_ACCEPT)"
                                           : "at once (--no-defer-accept)");
  }
  if (running) print_line("processes", instance.tracked_by);
  print_line("ready", instance.ready_via.empty() ? "not yet" : "yes, by " + instance.ready_via);
  print_line("listen timeout", std::to_string(spec.listen_timeout_ms) + " ms" +
                                   (spec.wait_ready ? " (wait ready)" : ""));
  print_line("cwd", spec.cwd);
  print_line("instances", std::to_string(spec.instances) + " requested");
  print_line("autorestart", spec.autorestart ? "yes" : "no");
  print_line("kill signal", kill_signal_text(spec));
  if (spec.shutdown_with_message) print_line("stop with", "the message \"shutdown\"");
  print_line("kill timeout", std::to_string(spec.kill_timeout_ms) + " ms");
  print_line("min uptime", std::to_string(spec.min_uptime_ms) + " ms");
  print_line("max restarts", std::to_string(spec.max_restarts));
  print_line("restart delay",
             spec.restart_delay_ms > 0
                 ? std::to_string(spec.restart_delay_ms) + " ms, fixed"
                 : "backoff from " + std::to_string(spec.exp_backoff_restart_delay_ms) + " ms");
  if (!spec.stop_exit_codes.empty()) {
    std::string codes;
    for (int code : spec.stop_exit_codes)
      codes += (codes.empty() ? "" : ", ") + std::to_string(code);
    print_line("stop exit codes", codes);
  }
  print_line("max memory", spec.max_memory_restart > 0
                               ? format_bytes(static_cast<std::uint64_t>(spec.max_memory_restart))
                               : "-");
  print_line("cron restart", or_dash(spec.cron_restart));
  if (!spec.watch.empty()) {
    std::string watched, ignored;
    for (const auto& path : spec.watch) watched += (watched.empty() ? "" : ", ") + path;
    for (const auto& pattern : spec.ignore_watch) ignored += ", " + pattern;
    print_line("watch", watched + " (reload " + std::to_string(spec.watch_delay_ms) +
                            " ms after the last change)");
    print_line("ignore watch", "node_modules, .git, *.log" + ignored);
  }
  print_line("instance var", spec.instance_var);
  if (!spec.increment_var.empty()) print_line("increment var", spec.increment_var);
  print_line("env", std::to_string(spec.env.size()) + " variables (pm env " +
                        std::to_string(process.id) + " prints them)");
  print_line("out log", instance.out_log);
  print_line("error log", instance.err_log);
  if (!instance.combined_log.empty()) print_line("combined log", instance.combined_log);
  if (!spec.log_type.empty()) print_line("log type", spec.log_type);
  print_line("log rotation", "past " + format_bytes(static_cast<std::uint64_t>(spec.log_max_size)) +
                                 ", " + std::to_string(spec.log_max_files) + " kept");
  if (spec.merge_logs) print_line("merge logs", "yes");
  print_line("log date format", or_dash(spec.log_date_format));
  if (!instance.log_error.empty()) print_line("log problem", instance.log_error);
  print_line("created", local_time(instance.created_at));
  for (const auto& exit : instance.history) print_exit(exit);
  if (running) {
    print_line("cpu", format_cpu(process.cpu));
    print_line("memory", format_bytes(process.memory));
  }
}

}  // namespace

void add_list_commands(CLI::App& app) {
  auto as_json = std::make_shared<bool>(false);
  auto* list = app.add_subcommand("list", "List every app and instance (aliases: ls, status)");
  list->alias("ls");
  list->alias("status");
  list->add_flag("--json", *as_json, "Print JSON for scripts");
  list->callback([as_json] {
    DaemonClient client(Paths::from_environment());
    std::vector<ProcessRow> rows = list_processes(client);
    if (*as_json)
      std::cout << json(rows).dump() << "\n";
    else
      print_process_table(rows);
  });

  auto* jlist = app.add_subcommand("jlist", "List as JSON (same as list --json)");
  jlist->callback([] {
    DaemonClient client(Paths::from_environment());
    std::cout << json(list_processes(client)).dump() << "\n";
  });

  add_env_command(app);
  add_pid_command(app);

  add_positional_command(
      app, "describe", "Show everything about an app or instance",
      {{"target", "App name, instance id, namespace, script or /regex/"}},
      [](const std::vector<std::string>& words) {
        DaemonClient client(Paths::from_environment());
        json reply = client.call(make_request(command::kDescribe, {{field::kTargets, {words[0]}}}));
        bool first = true;
        for (const auto& instance : reply[field::kInstances].get<std::vector<InstanceDetails>>()) {
          if (!first) std::printf("\n");
          first = false;
          print_describe(instance);
        }
      })
      ->alias("show");
}

}  // namespace pm
