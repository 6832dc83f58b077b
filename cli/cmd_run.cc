// `pm run`: pm for containers. pmd runs in the foreground, in this very
// process (PID 1 in a container), with the apps `pm start` would start from
// the same arguments; their output is pmd's stdout, and pmd exits when they
// have all stopped (see ContainerRun).

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <iostream>

#include "cli/commands.h"

namespace pm {

namespace {

long now_ms() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return now.tv_sec * 1000L + now.tv_nsec / 1000000L;
}

/// In the child: once pmd answers, `pm start` with the arguments; if that
/// fails, pmd is told to stop (it then exits 1, having run nothing).
[[noreturn]] void start_apps(const std::vector<std::string>& start_args) {
  pid_t pmd = ::getppid();
  DaemonClient client(Paths::from_environment());
  long deadline = now_ms() + 30'000;
  while (!client.connect_if_running()) {
    if (now_ms() > deadline) {
      std::cerr << "pm run: pmd did not answer within 30 s\n";
      ::kill(pmd, SIGTERM);
      ::_exit(1);
    }
    ::usleep(10'000);
  }
  pid_t start = ::fork();
  if (start == 0) {
    std::vector<std::string> words = {"pm", "start"};
    words.insert(words.end(), start_args.begin(), start_args.end());
    std::vector<char*> argv;
    for (auto& word : words) argv.push_back(word.data());
    argv.push_back(nullptr);
    // pm start's table is for people at a terminal; pmd's stdout is the log.
    ::dup2(STDERR_FILENO, STDOUT_FILENO);
    ::execv("/proc/self/exe", argv.data());
    ::_exit(127);
  }
  int status = 0;
  if (start < 0 || ::waitpid(start, &status, 0) != start || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    std::cerr << "pm run: the apps did not start; stopping\n";
    ::kill(pmd, SIGTERM);
    ::_exit(1);
  }
  ::_exit(0);
}

}  // namespace

void add_run_command(CLI::App& app, const std::vector<std::string>& words) {
  auto json_lines = std::make_shared<bool>(false);
  auto* run = app.add_subcommand(
      "run",
      "Run pmd in the foreground with these apps, for containers: takes what `pm start` takes; "
      "output on stdout, exits when the apps stop");
  run->add_flag("--json", *json_lines, "Output as one JSON object a line");
  auto metrics = std::make_shared<std::string>();
  run->add_option("--metrics", *metrics,
                  "Serve /metrics, /ready and /live here (PORT on loopback, or HOST:PORT)");
  run->prefix_command();
  run->callback([words, json_lines, metrics] {
    // run's own flags come first; the rest is what `pm start` gets.
    std::vector<std::string> start_args = words;
    while (!start_args.empty() && (start_args[0] == "--json" || start_args[0] == "--metrics" ||
                                   start_args[0].rfind("--metrics=", 0) == 0)) {
      bool separate_value = start_args[0] == "--metrics";
      start_args.erase(start_args.begin());
      if (separate_value && !start_args.empty()) start_args.erase(start_args.begin());
    }
    if (!metrics->empty()) ::setenv("PM_METRICS", metrics->c_str(), 1);
    if (start_args.empty())
      throw UserError(
          "run what? Give what `pm start` takes: a script, a command or an "
          "ecosystem file, and its flags");
    Paths paths = Paths::from_environment();
    DaemonClient probe(paths);
    if (probe.connect_if_running())
      throw UserError("a pmd already runs for " + paths.home +
                      "; pm run starts its own: set another PM_HOME, or `pm kill` first");
    std::fflush(stdout);
    pid_t starter = ::fork();
    if (starter < 0) throw UserError(std::string("cannot fork: ") + std::strerror(errno));
    if (starter == 0) start_apps(start_args);
    std::string pmd = daemon_binary();
    std::vector<const char*> argv = {"pmd", "--run"};
    if (*json_lines) argv.push_back("--json");
    argv.push_back(nullptr);
    ::execvp(pmd.c_str(), const_cast<char* const*>(argv.data()));
    ::kill(starter, SIGKILL);
    throw UserError("cannot run " + pmd + ": " + std::strerror(errno));
  });
}

}  // namespace pm
