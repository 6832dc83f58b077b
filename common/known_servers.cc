#include "common/known_servers.h"

#include <cctype>

#include "common/command_line.h"

namespace pm {

namespace {

// Each signal is the one the server's own documentation gives for a stop
// that lets requests in flight finish; most treat SIGINT, PM2's default, as
// a fast stop that drops them.
constexpr KnownServer kServers[] = {
    {"nginx", "SIGQUIT", "graceful shutdown", true},
    {"unicorn", "SIGQUIT", "graceful shutdown", true},
    {"gunicorn", "SIGTERM", "graceful shutdown", true},
    // Debian's puma lacks the sd_notify gem, and says "Systemd integration
    // failed" at every start when it sees NOTIFY_SOCKET.
    {"puma", "SIGTERM", "graceful shutdown", false},
    {"uvicorn", "SIGTERM", "graceful shutdown", true},
    {"hypercorn", "SIGTERM", "graceful shutdown", true},
    {"php-fpm", "SIGQUIT", "graceful stop", true},
    {"apache", "SIGWINCH", "graceful-stop", true},
    {"httpd", "SIGWINCH", "graceful-stop", true},
    // They run httpd as a child, in the process group the signal goes to.
    {"apachectl", "SIGWINCH", "graceful-stop", true},
    {"apache2ctl", "SIGWINCH", "graceful-stop", true},
    {"lighttpd", "SIGINT", "graceful shutdown", true},
    {"caddy", "SIGTERM", "graceful exit", true},
    {"haproxy", "SIGUSR1", "soft stop", true},
    {"sidekiq", "SIGTERM", "shutdown", true},
    {"celery", "SIGTERM", "warm shutdown", true},
};

/// Programs that run a script or a module named by their arguments.
constexpr const char* kInterpreters[] = {"python", "ruby", "node", "nodejs", "perl",
                                         "php",    "bun",  "bash", "sh",     "dash"};

std::string base_name(const std::string& path) {
  return path.substr(path.find_last_of('/') + 1);
}

/// A program's name without its version: python3.11, apache2, php-fpm8.2.
std::string without_version(std::string name) {
  while (!name.empty() && (std::isdigit(static_cast<unsigned char>(name.back())) ||
                           name.back() == '.' || name.back() == '-'))
    name.pop_back();
  return name;
}

bool is_interpreter(const std::string& name) {
  for (const char* interpreter : kInterpreters)
    if (name == interpreter) return true;
  return false;
}

bool is_shell(const std::string& name) {
  return name == "sh" || name == "bash" || name == "dash";
}

/// How many words of `argv` from `at` a wrapper takes before the command it
/// runs; 0 when argv[at] is no wrapper.
std::size_t wrapper_words(const std::vector<std::string>& argv, std::size_t at) {
  std::string name = base_name(argv[at]);
  bool has_next = at + 1 < argv.size();
  if (name == "exec" || name == "nohup") return 1;
  if (has_next && ((name == "bundle" && argv[at + 1] == "exec") ||
                   ((name == "poetry" || name == "pipenv") && argv[at + 1] == "run")))
    return 2;
  if (name == "env") {
    std::size_t words = 1;
    while (at + words < argv.size() &&
           (argv[at + words][0] == '-' || argv[at + words].find('=') != std::string::npos))
      ++words;
    return words;
  }
  return 0;
}

}  // namespace

std::string program_name(const std::vector<std::string>& argv) {
  std::size_t at = 0;
  while (at < argv.size()) {
    if (argv[at].empty()) return "";
    if (std::size_t words = wrapper_words(argv, at)) {
      at += words;
      continue;
    }
    std::string name = base_name(argv[at]);
    if (!is_interpreter(without_version(name))) return name;
    // Its options, then the script it runs.
    for (++at; at < argv.size() && argv[at][0] == '-'; ++at) {
      const std::string& option = argv[at];
      bool has_next = at + 1 < argv.size();
      if ((option == "-m" || option == "-S") && has_next) {
        std::string module = argv[at + 1];  // python3 -m uvicorn.main, ruby -S puma
        return module.substr(0, module.find('.'));
      }
      if (option == "-c" && has_next && is_shell(without_version(name))) {
        try {
          return program_name(split_command(argv[at + 1]));
        } catch (const SpecError&) {
          return "";  // the shell will say what is wrong with it
        }
      }
      if (option == "-c" || option == "-e") return "";
    }
  }
  return "";
}

const KnownServer* known_server(const std::vector<std::string>& argv) {
  std::string name = without_version(program_name(argv));
  for (const KnownServer& server : kServers)
    if (name == server.program) return &server;
  return nullptr;
}

void choose_kill_signal(AppSpec& spec) {
  if (!spec.kill_signal.empty() && spec.kill_signal_reason.empty()) return;
  if (const KnownServer* server = known_server(spec.argv)) {
    spec.kill_signal = server->stop_signal;
    spec.kill_signal_reason = program_name(spec.argv) + "'s " + server->stop_name;
    return;
  }
  spec.kill_signal = "SIGINT";
  spec.kill_signal_reason = "default";
}

bool takes_notify_socket(const std::vector<std::string>& argv) {
  const KnownServer* server = known_server(argv);
  return !server || server->takes_notify_socket;
}

}  // namespace pm
