// `pm logs` and `pm flush`: read, follow and empty the apps' log files.

#include <sys/time.h>

#include <csignal>
#include <cstdio>
#include <ctime>
#include <functional>
#include <iostream>

#include "cli/commands.h"
#include "cli/terminal_text.h"
#include "common/log_events.h"

namespace pm {

namespace {

struct LogsOptions {
  std::string target;
  int lines = 15;
  bool out_only = false;
  bool err_only = false;
  bool raw = false;
  bool nostream = false;
  bool json_lines = false;
  bool timestamp = false;
};

// Distinct, readable colours for instance prefixes.
const char* const kPrefixColours[] = {"36", "32", "35", "34", "33", "96", "92", "95"};

std::string now_text() {
  timeval now{};
  ::gettimeofday(&now, nullptr);
  tm local{};
  ::localtime_r(&now.tv_sec, &local);
  char text[40];
  std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &local);
  std::snprintf(text + n, sizeof text - n, ".%03ld", static_cast<long>(now.tv_usec / 1000));
  return text;
}

void print_line(const LogsOptions& options, int id, const std::string& name, bool is_err,
                const std::string& text, bool live) {
  if (options.json_lines) {
    // pm's own output for scripts, not the control protocol's messages.
    json line{{"id", id}, {"app", name}, {"stream", is_err ? "err" : "out"}, {"message", text}};
    if (live) line["at"] = now_text();
    std::cout << line.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
    return;
  }
  if (options.timestamp && live) std::cout << now_text() << " ";
  std::cout.flush();
  if (options.raw) {
    std::fputs(text.c_str(), stdout);
    std::fputc('\n', stdout);
    return;
  }
  std::string prefix = std::to_string(id) + "|" + terminal_safe(name) + "|";
  // What the app wrote, minus what would drive the terminal (colours stay).
  std::string shown = terminal_safe(text, true);
  if (stdout_is_tty()) {
    const char* colour = is_err ? "31" : kPrefixColours[id % 8];
    std::printf("\033[%sm%s\033[0m %s\n", colour, prefix.c_str(), shown.c_str());
  } else {
    std::printf("%s %s\n", prefix.c_str(), shown.c_str());
  }
}

void print_tail(const LogsOptions& options, const LogTailEvent& tail) {
  bool headers = !options.raw && !options.json_lines;
  if (headers) {
    std::string header =
        terminal_safe(tail.path) + " last " + std::to_string(options.lines) + " lines:";
    if (stdout_is_tty())
      std::printf("\033[90m%s\033[0m\n", header.c_str());
    else
      std::printf("%s\n", header.c_str());
  }
  for (const auto& line : tail.lines)
    print_line(options, tail.id, tail.name, tail.stream == "err", line, false);
  if (headers && !tail.lines.empty()) std::printf("\n");
}

/// Prints one message of the `logs` stream.
void print_message(const LogsOptions& options, const json& message) {
  std::string type = message.value(field::kType, "");
  if (type == message_type::kTail) {
    print_tail(options, message.get<LogTailEvent>());
  } else if (type == message_type::kLine) {
    auto event = message.get<LogLineEvent>();
    print_line(options, event.id, event.name, event.stream == "err", event.line, true);
  } else if (type == message_type::kDropped) {
    std::fflush(stdout);
    std::fprintf(stderr,
                 "[pm] %zu lines not shown: this terminal reads slower than the apps write\n",
                 message.get<DroppedLinesEvent>().count);
  }
  std::fflush(stdout);
}

/// Follows until interrupted. `pm update` replaces pmd under us: the socket
/// answers again at once, so follow on there; when nothing answers, pmd has
/// stopped and so do we, saying so.
void follow(DaemonClient& client, json request, const std::function<void(const json&)>& print) {
  while (true) {
    try {
      client.stream(make_request(command::kLogs, request), print);
      return;
    } catch (const ConnectionLost&) {
      std::fflush(stdout);
      if (!client.reconnect_if_running())
        throw UserError("pmd has stopped (pm kill, or see " + client.paths().daemon_log() +
                        "): no more lines to follow");
      std::fprintf(stderr, "[pm] pmd was replaced (pm update); following on\n");
      request[field::kLines] = 0;
    }
  }
}

}  // namespace

void add_log_commands(CLI::App& app) {
  auto options = std::make_shared<LogsOptions>();
  auto* logs = app.add_subcommand("logs", "Show the last lines of the logs, then follow them");
  logs->add_option("target", options->target,
                   "App name, instance id, namespace, script, /regex/, or all (default)");
  logs->add_option("--lines", options->lines, "How many past lines per file")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  logs->add_flag("--out", options->out_only, "Only standard output");
  logs->add_flag("--err", options->err_only, "Only standard error");
  logs->add_flag("--raw", options->raw, "Lines only, no prefixes or headers");
  logs->add_flag("--nostream", options->nostream, "Print the past lines and exit");
  logs->add_flag("--json", options->json_lines, "One JSON object a line, for scripts");
  logs->add_flag("--timestamp", options->timestamp, "Prefix live lines with the time they came");
  logs->callback([options] {
    if (options->out_only && options->err_only)
      throw UserError("--out and --err together: leave both out to see both");
    json request{{field::kLines, options->lines},
                 {field::kOut, !options->err_only},
                 {field::kErr, !options->out_only},
                 {field::kFollow, !options->nostream}};
    if (!options->target.empty()) request[field::kTargets] = {options->target};
    // A reader that goes away (`pm logs | head`) ends us quietly.
    std::signal(SIGPIPE, SIG_DFL);
    DaemonClient client(Paths::from_environment());
    auto print = [&](const json& message) { print_message(*options, message); };
    if (options->nostream) {
      client.stream(make_request(command::kLogs, request), print);
      return;
    }
    follow(client, request, print);
  });

  auto target = std::make_shared<std::string>();
  auto* flush = app.add_subcommand("flush", "Empty the log files of an app (default: all)");
  flush->add_option("target", *target, "App name, instance id, namespace, script, /regex/, or all");
  flush->callback([target] {
    json request = json::object();
    if (!target->empty()) request[field::kTargets] = {*target};
    DaemonClient client(Paths::from_environment());
    json reply = client.call(make_request(command::kFlush, request));
    for (const auto& file : reply[field::kFiles]) say("flushed " + file.get<std::string>());
  });

  auto* reopen =
      app.add_subcommand("reloadLogs", "Reopen every log file (after an external logrotate)");
  reopen->callback([] {
    DaemonClient client(Paths::from_environment());
    client.call(make_request(command::kReloadLogs));
    say("log files reopened");
  });
}

}  // namespace pm
