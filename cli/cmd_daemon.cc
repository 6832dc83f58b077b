// `pm ping`, `pm update` and `pm kill`: the daemon itself.

#include <fcntl.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <iostream>
#include <map>

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

/// `pm update`: has the running pmd hand over to the installed one, waits
/// for the new one to answer, and says which instances it took over.
void update_daemon() {
  Paths paths = Paths::from_environment();
  std::map<int, int> before;  // instance id → pid
  long long started_at = 0;
  {
    DaemonClient old(paths);
    if (old.connect_if_running()) {
      for (const auto& row : list_processes(old)) before[row.id] = row.pid;
      started_at = old.call(make_request(command::kPing)).value(field::kStartedAt, 0LL);
      old.call(make_request(command::kUpdate));
    }
  }
  // The old image answered, then execs: ask until the new one answers.
  json version;
  for (int attempt = 0;; ++attempt) {
    try {
      DaemonClient probe(paths);
      version = probe.call(make_request(command::kPing));
      if (!started_at || version.value(field::kStartedAt, 0LL) != started_at) break;
    } catch (const UserError&) {
      if (attempt > 1000) throw;
    }
    if (attempt > 1000) throw UserError("pmd is still the old one; see " + paths.daemon_log());
    timespec pause{0, 10 * 1000 * 1000};
    ::nanosleep(&pause, nullptr);
  }
  DaemonClient fresh(paths);
  std::vector<ProcessRow> rows = list_processes(fresh);
  int kept = 0;
  for (const auto& row : rows) {
    auto it = before.find(row.id);
    if (it != before.end() && it->second > 0 && it->second == row.pid) ++kept;
  }
  say("pmd " + version.value(field::kVersion, "?") + " runs (pid " +
      std::to_string(version.value(field::kPid, 0)) + ")");
  if (!before.empty())
    say(std::to_string(kept) + " running instance(s) taken over, pids unchanged");
  print_process_table(rows);
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
