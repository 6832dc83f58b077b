// `pm ping` and `pm kill`: the daemon itself (`pm update` is in cmd_update.cc).

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
  client.call(make_request(command::kKill));
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
  if (!gone) throw UserError("pmd answered but is still running after 10 s");
}

}  // namespace

void add_daemon_commands(CLI::App& app) {
  auto* ping = app.add_subcommand("ping", "Start pmd if needed and check that it answers");
  ping->callback([] {
    DaemonClient client(Paths::from_environment());
    json reply = client.call(make_request(command::kPing));
    std::cout << "pong (pmd " << reply.value(field::kVersion, "?") << ", pid "
              << reply.value(field::kPid, 0) << ")\n";
  });

  auto* update = app.add_subcommand(
      "update", "Replace the running pmd with the installed one, keeping every app running");
  update->callback(update_daemon);

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
