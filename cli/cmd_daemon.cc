// `pm ping` and `pm kill`: the daemon itself.

#include <fcntl.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <iostream>

#include "cli/commands.h"

namespace pm {

namespace {

/// Asks pmd to stop every app and exit, and waits until it has.
void stop_daemon(DaemonClient& client) {
  client.call(make_request("kill"));
  // The reply comes once every app is down. pmd holds its lock until the
  // very end of its life, so the lock coming free means it is gone.
  int lock = ::open(client.paths().daemon_lock().c_str(), O_RDWR | O_CLOEXEC);
  bool gone = lock < 0;
  for (int i = 0; !gone && i < 5000; ++i) {
    gone = ::flock(lock, LOCK_EX | LOCK_NB) == 0;
    timespec pause{0, 2 * 1000 * 1000};
    if (!gone) ::nanosleep(&pause, nullptr);
  }
  if (lock >= 0) ::close(lock);
  if (!gone) throw CliError("pmd answered but is still running after 10 s");
}

}  // namespace

void add_daemon_commands(CLI::App& app) {
  auto* ping = app.add_subcommand("ping", "Start pmd if needed and check that it answers");
  ping->callback([] {
    DaemonClient client(Paths::from_environment());
    json reply = client.call(make_request("ping"));
    std::cout << "pong (pmd " << reply.value("version", "?") << ", pid " << reply.value("pid", 0)
              << ")\n";
  });

  auto* update = app.add_subcommand(
      "update", "Replace the running pmd with the installed one and bring every app back");
  update->callback([] {
    Paths paths = Paths::from_environment();
    {
      DaemonClient old(paths);
      if (old.connect_if_running()) {
        json saved = old.call(make_request("save", {{"force", true}}));
        say("saved " + std::to_string(saved.value("count", 0)) + " app(s) to " +
            saved.value("path", "") + " (the previous list is kept as .bak)");
        stop_daemon(old);
      }
    }
    DaemonClient fresh(paths);
    json version = fresh.call(make_request("ping"));
    json reply = fresh.call(make_request("resurrect"));
    for (const auto& warning : reply["warnings"])
      std::cerr << "pm: warning: " << warning.get<std::string>() << "\n";
    say("pmd " + version.value("version", "?") + " runs (pid " +
        std::to_string(version.value("pid", 0)) + ")");
    if (!reply["started"].empty())
      say("apps restarted under it, with new pids (pmd cannot adopt running children yet): " + [&] {
        std::string names;
        for (const auto& name : reply["started"])
          names += (names.empty() ? "" : ", ") + name.get<std::string>();
        return names;
      }());
    print_process_table(fresh.call(make_request("list"))["processes"]);
  });

  auto* kill = app.add_subcommand("kill", "Stop every app gracefully, then pmd");
  kill->callback([] {
    DaemonClient client(Paths::from_environment());
    if (!client.connect_if_running()) {
      say("pmd is not running");
      return;
    }
    stop_daemon(client);
    say("pmd stopped");
  });
}

}  // namespace pm
