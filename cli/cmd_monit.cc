// `pm monit`: a terminal dashboard of every instance (status, restarts, CPU
// with a short history, memory) and the selected app's live log lines, with
// keys to restart, reload and stop. Redraws in place on the alternate
// screen, and leaves the terminal as it found it, also on Ctrl-C.

#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "cli/commands.h"
#include "cli/monit_view.h"
#include "common/log_events.h"

namespace pm {

namespace {

volatile std::sig_atomic_t g_quit = 0;
volatile std::sig_atomic_t g_resized = 0;

/// The terminal in the dashboard's mode for as long as it lives: keys one
/// by one without echo, the alternate screen, no cursor. Owned by `pm monit`.
class TerminalMode {
 public:
  TerminalMode() {
    if (::tcgetattr(STDIN_FILENO, &saved_) != 0)
      throw UserError("pm monit needs a terminal; use `pm list` or `pm jlist` in scripts");
    termios raw = saved_;
    raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);  // ISIG kept: Ctrl-C quits
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    ::tcsetattr(STDIN_FILENO, TCSANOW, &raw);
    write_all("\033[?1049h\033[?25l\033[2J");
  }
  ~TerminalMode() {
    write_all("\033[?25h\033[?1049l");
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }
  TerminalMode(const TerminalMode&) = delete;
  TerminalMode& operator=(const TerminalMode&) = delete;

  static void write_all(const std::string& text) {
    for (std::size_t done = 0; done < text.size();) {
      ssize_t n = ::write(STDOUT_FILENO, text.data() + done, text.size() - done);
      if (n <= 0) return;
      done += static_cast<std::size_t>(n);
    }
  }
  static std::pair<int, int> size() {
    winsize size{};
    if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) != 0 || size.ws_col == 0) return {80, 24};
    return {size.ws_col, size.ws_row};
  }

 private:
  termios saved_{};
};

/// Log lines of every app as the follower thread receives them, for the
/// screen to pick the selected app's from. Shared by the two threads.
class LogLines {
 public:
  void add(const std::string& app, const std::string& line) {
    std::lock_guard<std::mutex> lock(mutex_);
    lines_.emplace_back(app, line);
    if (lines_.size() > kKept) lines_.pop_front();
    changed_ = true;
  }
  /// The lines of `app`, and whether any line came since the last call.
  std::deque<std::string> of(const std::string& app, bool& changed) {
    std::lock_guard<std::mutex> lock(mutex_);
    changed = changed_;
    changed_ = false;
    std::deque<std::string> found;
    for (const auto& [name, line] : lines_)
      if (name == app) found.push_back(line);
    return found;
  }

 private:
  static constexpr std::size_t kKept = 2000;
  std::mutex mutex_;
  std::deque<std::pair<std::string, std::string>> lines_;
  bool changed_ = false;
};

/// Follows every app's logs into `lines` until the process ends.
void follow_logs(LogLines& lines) {
  try {
    DaemonClient client(Paths::from_environment());
    json request{
        {field::kLines, 10}, {field::kOut, true}, {field::kErr, true}, {field::kFollow, true}};
    client.stream(make_request(command::kLogs, request), [&](const json& message) {
      std::string type = message.value(field::kType, "");
      if (type == message_type::kTail) {
        auto tail = message.get<LogTailEvent>();
        for (const auto& line : tail.lines)
          lines.add(tail.name, std::to_string(tail.id) + "| " + line);
      } else if (type == message_type::kLine) {
        auto event = message.get<LogLineEvent>();
        lines.add(event.name, std::to_string(event.id) + "| " + event.line);
      }
    });
  } catch (const std::exception& error) {
    lines.add("", std::string("log stream ended: ") + error.what());
  }
}

/// The outcome of the last key's action, set by the thread that ran it.
class ActionStatus {
 public:
  void set(const std::string& text) {
    std::lock_guard<std::mutex> lock(mutex_);
    text_ = text;
    changed_ = true;
  }
  std::string get(bool& changed) {
    std::lock_guard<std::mutex> lock(mutex_);
    changed = changed_;
    changed_ = false;
    return text_;
  }

 private:
  std::mutex mutex_;
  std::string text_ = "ready";
  bool changed_ = false;
};

/// Runs `verb` on `app` in a thread of its own, so the screen stays live
/// through a long reload.
void act(ActionStatus& status, const std::string& verb, const std::string& app) {
  if (app.empty()) return;
  status.set(verb + " " + app + "...");
  std::thread([&status, verb, app] {
    try {
      DaemonClient client(Paths::from_environment());
      json request{{field::kTargets, {app}}};
      if (verb == "reload") {
        request[field::kWait] = true;
        client.stream(make_request(command::kReload, request), [](const json&) {});
      } else {
        client.call(make_request(verb == "stop" ? command::kStop : command::kRestart, request));
      }
      status.set(verb + " " + app + ": done");
    } catch (const std::exception& error) {
      status.set(verb + " " + app + " failed: " + error.what());
    }
  }).detach();
}

void run_monit() {
  DaemonClient client(Paths::from_environment());
  MonitView view;
  view.rows = list_processes(client);
  view.record_cpu();
  const char* no_colour = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  view.colour = !(no_colour && *no_colour) && !(term && std::string(term) == "dumb");

  std::signal(SIGINT, [](int) { g_quit = 1; });
  std::signal(SIGTERM, [](int) { g_quit = 1; });
  std::signal(SIGHUP, [](int) { g_quit = 1; });
  std::signal(SIGWINCH, [](int) { g_resized = 1; });
  TerminalMode terminal;
  LogLines logs;
  ActionStatus status;
  std::thread(follow_logs, std::ref(logs)).detach();

  using Clock = std::chrono::steady_clock;
  auto next_refresh = Clock::now() + std::chrono::seconds(1);
  bool dirty = true;
  while (!g_quit) {
    bool changed = false;
    view.log_lines = logs.of(view.selected_app(), changed);
    dirty |= changed;
    view.status = status.get(changed);
    dirty |= changed;
    if (g_resized) {
      g_resized = 0;
      TerminalMode::write_all("\033[2J");
      dirty = true;
    }
    if (Clock::now() >= next_refresh) {
      view.rows = list_processes(client);
      view.record_cpu();
      next_refresh += std::chrono::seconds(1);
      dirty = true;
    }
    view.selected = std::clamp(view.selected, 0, std::max(0, int(view.rows.size()) - 1));
    if (dirty) {
      auto [width, height] = TerminalMode::size();
      TerminalMode::write_all(view.render(width, height));
      dirty = false;
    }
    pollfd input{STDIN_FILENO, POLLIN, 0};
    if (::poll(&input, 1, 100) != 1) continue;
    char keys[16];
    ssize_t n = ::read(STDIN_FILENO, keys, sizeof keys);
    for (ssize_t i = 0; i < n; ++i) {
      char key = keys[i];
      // Arrow keys come as ESC [ A / ESC [ B.
      if (key == '\033' && i + 2 < n && keys[i + 1] == '[') {
        key = keys[i + 2] == 'A' ? 'k' : keys[i + 2] == 'B' ? 'j' : 0;
        i += 2;
      }
      if (key == 'q') g_quit = 1;
      if (key == 'k') view.selected = std::max(0, view.selected - 1);
      if (key == 'j') ++view.selected;
      if (key == 'r') act(status, "restart", view.selected_app());
      if (key == 'l') act(status, "reload", view.selected_app());
      if (key == 's') act(status, "stop", view.selected_app());
      dirty = true;
    }
  }
}

}  // namespace

void add_monit_command(CLI::App& app) {
  app.add_subcommand("monit", "A live dashboard: instances, CPU, memory, logs; keys act on apps")
      ->callback([] {
        run_monit();
        // The follower thread is blocked reading pmd: end without waiting.
        std::fflush(stdout);
        std::_Exit(0);
      });
}

}  // namespace pm
