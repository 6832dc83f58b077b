#include "daemon/control/process_rows.h"

#include <set>

namespace pm {

namespace {

/// The app's bound addresses, with the ports the kernel chose for port 0.
std::string listen_text(const App& app) {
  std::string listen;
  for (const ListenGroup* group : app.listeners().all()) {
    ListenAddress bound = group->address();
    bound.port = group->port();
    listen += (listen.empty() ? "" : ",") + bound.display();
  }
  return listen;
}

}  // namespace

ProcessRow process_row(const App& app, Instance& instance) {
  ProcessRow row;
  row.id = instance.id();
  row.name = instance.spec().name;
  row.mode = Supervisor::mode(app);
  row.listen = listen_text(app);
  row.pid = instance.pid();
  row.status = state_name(instance.state());
  row.restarts = instance.restarts();
  row.uptime_ms = static_cast<std::int64_t>(instance.uptime_ms());
  ProcessUsage usage = instance.usage();
  row.cpu = usage.cpu_percent;
  row.memory = usage.memory_bytes;
  return row;
}

std::vector<ProcessRow> process_rows(const Supervisor& supervisor, const std::vector<int>& only) {
  std::set<int> wanted(only.begin(), only.end());
  std::vector<ProcessRow> rows;
  for (const auto& app : supervisor.apps())
    for (const auto& instance : app->instances())
      if (wanted.empty() || wanted.count(instance->id()))
        rows.push_back(process_row(*app, *instance));
  return rows;
}

InstanceDetails instance_details(const App& app, Instance& instance) {
  InstanceDetails details;
  details.process = process_row(app, instance);
  details.spec = instance.spec();
  details.created_at = instance.created_at();
  details.unstable_restarts = instance.unstable_restarts();
  details.last_exit = instance.last_exit();
  details.error = instance.last_error();
  details.reload_error = app.reload_error();
  LogFile& out = instance.out_log().file();
  LogFile& err = instance.err_log().file();
  details.out_log = out.path();
  details.err_log = err.path();
  details.log_error = out.error().empty() ? err.error() : out.error();
  details.socket_via = instance.socket_via();
  details.ready_via = instance.ready_via();
  details.notify_socket = instance.notify_path();
  details.tracked_by = instance.tracked_by();
  details.history = instance.history().get<std::vector<ExitRecord>>();
  return details;
}

}  // namespace pm
