// `pm update`: replace the running pmd with the installed one; the new pmd
// takes the running instances over, so no app stops.

#include <time.h>

#include <map>

#include "cli/commands.h"

namespace pm {

namespace {

/// Asks until a pmd other than the one started at `started_at` answers a
/// ping, and returns its answer.
json wait_for_successor(const Paths& paths, long long started_at) {
  // The old image answered, then execs: ask until the new one answers.
  for (int attempt = 0;; ++attempt) {
    try {
      DaemonClient probe(paths);
      json version = probe.call(make_request("ping"));
      if (!started_at || version.value("started_at", 0LL) != started_at) return version;
    } catch (const UserError&) {
      if (attempt > 1000) throw;
    }
    if (attempt > 1000) throw UserError("pmd is still the old one; see " + paths.daemon_log());
    timespec pause{0, 10 * 1000 * 1000};
    ::nanosleep(&pause, nullptr);
  }
}

}  // namespace

void add_update_command(CLI::App& app) {
  auto* update = app.add_subcommand(
      "update", "Replace the running pmd with the installed one, keeping every app running");
  update->callback([] {
    Paths paths = Paths::from_environment();
    std::map<int, int> before;  // instance id → pid
    long long started_at = 0;
    {
      DaemonClient old(paths);
      if (old.connect_if_running()) {
        json rows = old.call(make_request("list"));
        for (const auto& row : rows["processes"]) before[row.value("id", 0)] = row.value("pid", 0);
        started_at = old.call(make_request("ping")).value("started_at", 0LL);
        old.call(make_request("update"));
      }
    }
    json version = wait_for_successor(paths, started_at);
    DaemonClient fresh(paths);
    json list = fresh.call(make_request("list"));
    int kept = 0;
    for (const auto& row : list["processes"]) {
      auto it = before.find(row.value("id", -1));
      if (it != before.end() && it->second > 0 && it->second == row.value("pid", 0)) ++kept;
    }
    say("pmd " + version.value("version", "?") + " runs (pid " +
        std::to_string(version.value("pid", 0)) + ")");
    if (!before.empty())
      say(std::to_string(kept) + " running instance(s) taken over, pids unchanged");
    print_process_table(list["processes"]);
  });
}

}  // namespace pm
