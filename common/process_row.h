#pragma once
// ProcessRow: one instance as `pm list` shows it and `pm jlist` prints it.
// jlist is a public API that scripts read: its field names do not change.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace pm {

/// One row of the process table, a plain value: pmd builds it
/// (daemon/control/process_rows.cc), the CLI prints it.
struct ProcessRow {
  int id = 0;
  std::string name;
  std::string namespace_name;  // "default" unless the app was given one
  std::string mode;            // "fork", or "cluster" for an app of several instances
  std::string listen;          // the app's bound addresses, comma-separated
  int pid = 0;                 // 0 when no process runs
  // As PM2 means it: online once the process runs (launching only while
  // --wait-ready waits), stopping, stopped, waiting restart, errored.
  std::string status;
  bool ready = false;  // serving: what reloads and `pm start` wait for
  int restarts = 0;
  std::int64_t uptime_ms = 0;
  double cpu = 0;            // percent of one CPU
  std::uint64_t memory = 0;  // resident bytes
};

void to_json(nlohmann::json& value, const ProcessRow& row);
/// Fields that are absent keep their defaults.
void from_json(const nlohmann::json& value, ProcessRow& row);

}  // namespace pm
