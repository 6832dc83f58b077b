// `pm list` and `pm describe`: what runs, as a table or in detail.

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <iostream>

#include "cli/commands.h"
#include "cli/format.h"

namespace pm {

bool stdout_is_tty() {
  static const bool tty = ::isatty(STDOUT_FILENO) == 1;
  return tty;
}

void say(const std::string& message) {
  std::cout << "[pm] " << message << "\n";
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

void print_process_table(const json& processes) {
  Table table({{"id"},
               {"name", false, true},
               {"mode", true},
               {"listen", true},
               {"pid"},
               {"uptime", true},
               {"↺"},
               {"status"},
               {"cpu", true},
               {"mem", true}});
  for (const auto& row : processes) {
    int pid = row.value("pid", 0);
    std::string status = row.value("status", "");
    bool running = pid > 0;
    table.add_row({{std::to_string(row.value("id", 0)), "36"},
                   {row.value("name", ""), "1"},
                   {row.value("mode", ""), ""},
                   {row.value("listen", "").empty() ? "-" : row.value("listen", ""), ""},
                   {running ? std::to_string(pid) : "-", ""},
                   {running ? format_duration(row.value("uptime_ms", 0LL)) : "-", ""},
                   {std::to_string(row.value("restarts", 0)), ""},
                   {status, status_colour(status)},
                   {running ? format_cpu(row.value("cpu", 0.0)) : "-", ""},
                   {running ? format_bytes(row.value("memory", 0ULL)) : "-", ""}});
  }
  std::cout << table.render(terminal_width(), stdout_is_tty());
}

namespace {

void print_describe(const json& instance) {
  const json& spec = instance["spec"];
  auto line = [](const std::string& key, const std::string& value) {
    std::printf("  %-18s %s\n", key.c_str(), value.c_str());
  };
  std::string argv;
  for (const auto& arg : spec["argv"]) argv += (argv.empty() ? "" : " ") + arg.get<std::string>();
  std::time_t created = instance.value("created_at", 0LL) / 1000;
  char created_text[64];
  std::strftime(created_text, sizeof created_text, "%Y-%m-%d %H:%M:%S", std::localtime(&created));
  int pid = instance.value("pid", 0);

  std::printf("%s [%d]\n", spec.value("name", "").c_str(), instance.value("id", 0));
  line("status", instance.value("status", ""));
  line("pid", pid > 0 ? std::to_string(pid) : "-");
  line("uptime", pid > 0 ? format_duration(instance.value("uptime_ms", 0LL)) : "-");
  line("restarts", std::to_string(instance.value("restarts", 0)));
  line("unstable restarts", std::to_string(instance.value("unstable_restarts", 0)));
  line("last exit",
       instance.value("last_exit", "").empty() ? "-" : instance.value("last_exit", ""));
  if (!instance.value("error", "").empty()) line("error", instance.value("error", ""));
  if (!instance.value("reload_error", "").empty())
    line("last reload", "failed: " + instance.value("reload_error", ""));
  line("command", argv);
  line("listen", instance.value("listen", "").empty() ? "-" : instance.value("listen", ""));
  line("socket from",
       instance.value("socket_via", "").empty() ? "-" : instance.value("socket_via", ""));
  line("ready", instance.value("ready_via", "").empty()
                    ? "not yet"
                    : "yes, by " + instance.value("ready_via", ""));
  line("listen timeout", std::to_string(spec.value("listen_timeout", 0)) + " ms" +
                             (spec.value("wait_ready", false) ? " (wait ready)" : ""));
  line("cwd", spec.value("cwd", ""));
  line("instances", std::to_string(spec.value("instances", 1)) + " requested");
  line("autorestart", spec.value("autorestart", true) ? "yes" : "no");
  line("kill signal", spec.value("kill_signal", ""));
  line("kill timeout", std::to_string(spec.value("kill_timeout", 0)) + " ms");
  line("min uptime", std::to_string(spec.value("min_uptime", 0)) + " ms");
  line("max restarts", std::to_string(spec.value("max_restarts", 0)));
  line("out log", instance.value("out_log", ""));
  line("error log", instance.value("err_log", ""));
  if (!instance.value("log_error", "").empty())
    line("log problem", instance.value("log_error", ""));
  line("created", created_text);
  for (const auto& exit : instance.value("history", json::array())) {
    std::time_t at = exit.value("at", 0LL) / 1000;
    char when[32];
    std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", std::localtime(&at));
    line("exit", std::string(when) + "  pid " + std::to_string(exit.value("pid", 0)) + "  " +
                     exit.value("exit", "") + " after " +
                     format_duration(exit.value("uptime_ms", 0LL)) +
                     (exit.value("stopped", false) ? " (stopped)" : " (crashed)"));
  }
  if (pid > 0) {
    line("cpu", format_cpu(instance.value("cpu", 0.0)));
    line("memory", format_bytes(instance.value("memory", 0ULL)));
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
    json processes = client.call(make_request("list"))["processes"];
    if (*as_json)
      std::cout << processes.dump() << "\n";
    else
      print_process_table(processes);
  });

  auto* jlist = app.add_subcommand("jlist", "List as JSON (same as list --json)");
  jlist->callback([] {
    DaemonClient client(Paths::from_environment());
    std::cout << client.call(make_request("list"))["processes"].dump() << "\n";
  });

  add_env_command(app);

  auto target = std::make_shared<std::string>();
  auto* describe = app.add_subcommand("describe", "Show everything about an app or instance");
  describe->alias("show");
  describe->add_option("target", *target, "App name or instance id")->required();
  describe->callback([target] {
    DaemonClient client(Paths::from_environment());
    json reply = client.call(make_request("describe", {{"targets", {*target}}}));
    bool first = true;
    for (const auto& instance : reply["instances"]) {
      if (!first) std::printf("\n");
      first = false;
      print_describe(instance);
    }
  });
}

}  // namespace pm
