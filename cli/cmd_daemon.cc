// `pm ping` and `pm kill`: the daemon itself.

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>

#include "cli/commands.h"

namespace pm {

void add_daemon_commands(CLI::App& app) {
  auto* ping = app.add_subcommand("ping", "Start pmd if needed and check that it answers");
  ping->callback([] {
    DaemonClient client(Paths::from_environment());
    json reply = client.call(make_request("ping"));
    std::cout << "pong (pmd " << reply.value("version", "?") << ", pid " << reply.value("pid", 0)
              << ")\n";
  });

  auto* kill = app.add_subcommand("kill", "Stop every app gracefully, then pmd");
  kill->callback([] {
    DaemonClient client(Paths::from_environment());
    if (!client.connect_if_running()) {
      say("pmd is not running");
      return;
    }
    json reply = client.call(make_request("kill"));
    // The reply comes once every app is down; wait for pmd itself to go.
    pid_t pid = reply.value("pid", 0);
    for (int i = 0; pid > 0 && i < 1000 && (::kill(pid, 0) == 0 || errno != ESRCH); ++i) {
      timespec pause{0, 5 * 1000 * 1000};
      ::nanosleep(&pause, nullptr);
    }
    say("pmd stopped");
  });
}

}  // namespace pm
