#include "daemon/metrics/metrics_text.h"

#include <dirent.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "daemon/metrics/metric_writer.h"
#include "daemon/supervision/process_stats.h"
#include "daemon/supervision/supervisor.h"

namespace pm {

namespace {

constexpr InstanceState kStates[] = {InstanceState::Launching,      InstanceState::Online,
                                     InstanceState::Stopping,       InstanceState::Stopped,
                                     InstanceState::WaitingRestart, InstanceState::Errored};

/// One instance as the scrape sees it: read once, written in every family.
struct InstanceReading {
  Labels labels;
  const Instance* instance;
  ProcessSample resources;
};

std::vector<InstanceReading> read_instances(const Supervisor& supervisor) {
  std::vector<InstanceReading> readings;
  for (const auto& app : supervisor.apps())
    for (const auto& instance : app->instances())
      readings.push_back({{{"app", app->spec().name},
                           {"id", std::to_string(instance->id())},
                           {"pid", std::to_string(instance->pid())}},
                          instance.get(),
                          instance->resources()});
  return readings;
}

/// Writes one sample per instance: `value` of its reading.
template <typename Value>
void each_instance(MetricWriter& out, const std::vector<InstanceReading>& readings, Value value) {
  for (const auto& reading : readings) out.sample(reading.labels, value(reading));
}

int open_fds() {
  int count = 0;
  if (DIR* dir = ::opendir("/proc/self/fd")) {
    while (const dirent* entry = ::readdir(dir))
      if (entry->d_name[0] != '.') ++count;
    ::closedir(dir);
    --count;  // the directory's own
  }
  return count;
}

/// TcpExt's ListenOverflows from /proc/net/netstat: connections dropped
/// because an accept queue was full, in this network namespace. The kernel
/// counts them per namespace only, not per socket. -1 when unreadable.
long long listen_overflows() {
  std::ifstream netstat("/proc/net/netstat");
  std::string names, values;
  while (std::getline(netstat, names) && std::getline(netstat, values)) {
    if (names.rfind("TcpExt:", 0) != 0) continue;
    std::istringstream name_words(names), value_words(values);
    std::string name, value;
    while (name_words >> name && value_words >> value)
      if (name == "ListenOverflows") return std::stoll(value);
  }
  return -1;
}

void write_instances(MetricWriter& out, const Supervisor& supervisor) {
  std::vector<InstanceReading> readings = read_instances(supervisor);
  out.family("pm_instance_cpu_seconds_total", "counter",
             "CPU time used by the instance's processes that run now (user and system).");
  each_instance(out, readings, [](const InstanceReading& reading) {
    return static_cast<double>(reading.resources.cpu_ms) / 1000.0;
  });
  out.family("pm_instance_resident_memory_bytes", "gauge",
             "Resident memory of the instance's whole process tree.");
  each_instance(out, readings, [](const InstanceReading& reading) {
    return static_cast<double>(reading.resources.rss_bytes);
  });
  out.family("pm_instance_restarts_total", "counter",
             "Times the instance's slot was started again (crashes, restarts, reloads).");
  each_instance(out, readings, [](const InstanceReading& reading) {
    return static_cast<double>(reading.instance->restarts());
  });
  out.family("pm_instance_uptime_seconds", "gauge",
             "How long the instance's process has run; 0 when none runs.");
  each_instance(out, readings, [](const InstanceReading& reading) {
    return static_cast<double>(reading.instance->uptime_ms()) / 1000.0;
  });
  out.family("pm_instance_ready", "gauge",
             "1 when the instance is ready (serving, as `pm list`'s ready column), else 0.");
  each_instance(out, readings, [](const InstanceReading& reading) {
    return reading.instance->ready() ? 1.0 : 0.0;
  });
  out.family("pm_instance_status", "gauge",
             "1 for the instance's status (as `pm list` shows it), 0 for the others.");
  for (const auto& reading : readings)
    for (InstanceState state : kStates) {
      Labels labels = reading.labels;
      labels.emplace_back("status", state_name(state));
      out.sample(labels, reading.instance->status() == std::string(state_name(state)) ? 1.0 : 0.0);
    }
}

/// One sample per listening address of every app, labelled app and address.
template <typename Value>
void each_address(MetricWriter& out, const Supervisor& supervisor, Value value) {
  for (const auto& app : supervisor.apps())
    for (const ListenGroup* group : app->listeners().all()) {
      ListenAddress bound = group->address();
      bound.port = group->port();
      out.sample({{"app", app->spec().name}, {"address", bound.display()}},
                 static_cast<double>(value(*group)));
    }
}

void write_listeners(MetricWriter& out, const Supervisor& supervisor) {
  out.family("pm_listen_queue_connections", "gauge",
             "Connections waiting to be accepted at the address, over every instance's socket.");
  each_address(out, supervisor, [](const ListenGroup& group) { return group.queued_all(); });
  out.family("pm_listen_drops_total", "counter",
             "Connections the kernel dropped at the address's sockets, a full accept queue "
             "above all (a listener's drop count; resets when pmd restarts).");
  each_address(out, supervisor, [](const ListenGroup& group) { return group.dropped_all(); });
  if (long long overflows = listen_overflows(); overflows >= 0) {
    out.family("pm_listen_overflows_total", "counter",
               "Connections dropped because an accept queue was full, in pmd's network "
               "namespace (the kernel does not count them per address).");
    out.sample({}, static_cast<double>(overflows));
  }
}

void write_daemon(MetricWriter& out) {
  ProcessSample self = sample_process(::getpid());
  out.family("pm_daemon_cpu_seconds_total", "counter", "CPU time used by pmd.");
  out.sample({}, static_cast<double>(self.cpu_ms) / 1000.0);
  out.family("pm_daemon_resident_memory_bytes", "gauge", "Resident memory of pmd.");
  out.sample({}, static_cast<double>(self.rss_bytes));
  out.family("pm_daemon_open_fds", "gauge", "File descriptors pmd has open.");
  out.sample({}, static_cast<double>(open_fds()));
}

}  // namespace

bool all_ready(const Supervisor& supervisor) {
  int serving = 0;
  for (const auto& app : supervisor.apps())
    for (const auto& instance : app->instances()) {
      if (instance->state() == InstanceState::Stopped) continue;
      if (!instance->ready()) return false;
      ++serving;
    }
  return serving > 0;
}

std::string metrics_text(const Supervisor& supervisor) {
  MetricWriter out;
  write_instances(out, supervisor);
  write_listeners(out, supervisor);
  write_daemon(out);
  return out.text();
}

}  // namespace pm
