// `pm update`: the running pmd hands over to the installed binary in its own
// process (see daemon/takeover.h), keeping every app and its pids.

#include <time.h>
#include <unistd.h>

#include <iostream>
#include <map>

#include "cli/commands.h"

namespace pm {

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

}  // namespace pm
