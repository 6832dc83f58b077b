#include "daemon/control/process_rows.h"

#include <set>

#include "common/known_servers.h"
#include "common/listen_arguments.h"

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

/// The port a --listen app's first address has: the bound one, else the
/// one asked for; 0 when neither is known (port 0, not bound now).
int first_port(const App& app, const AppSpec& spec) {
  ListenAddress first = ListenAddress::parse(spec.listen[0]);
  for (const ListenGroup* group : app.listeners().all())
    if (group->address().key() == first.key()) return group->port();
  return first.port;
}

/// The argv as the program gets it (ChildChannels fills the placeholders in
/// when it passes the sockets).
std::vector<std::string> argv_as_run(const App& app, const AppSpec& spec) {
  if (spec.listen.empty()) return spec.argv;
  int port = first_port(app, spec);
  std::vector<std::string> argv;
  for (const auto& arg : spec.argv) argv.push_back(with_listen_placeholders(arg, port));
  return argv;
}

}  // namespace

ProcessRow process_row(const App& app, Instance& instance) {
  ProcessRow row;
  row.id = instance.id();
  row.name = instance.spec().name;
  row.namespace_name = instance.spec().namespace_name;
  row.mode = Supervisor::mode(app);
  row.listen = listen_text(app);
  row.pid = instance.pid();
  row.status = instance.status();
  row.ready = instance.ready();
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
  details.spec.argv = argv_as_run(app, instance.spec());
  details.start_warning = app.start_warning();
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
  if (LogFile* combined = instance.out_log().combined()) {
    details.combined_log = combined->path();
    if (details.log_error.empty()) details.log_error = combined->error();
  }
  details.socket_via = instance.socket_via();
  details.ready_via = instance.ready_via();
  // launch_child gives it only to the programs that take it.
  details.notify_socket =
      takes_notify_socket(instance.spec().argv) ? instance.notify_path() : std::string();
  details.tracked_by = instance.tracked_by();
  details.history = instance.history().get<std::vector<ExitRecord>>();
  return details;
}

}  // namespace pm
