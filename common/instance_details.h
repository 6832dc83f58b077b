#pragma once
// InstanceDetails: everything `pm describe` shows about one instance, its
// process table row and what lies behind it.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/app_spec.h"
#include "common/process_row.h"

namespace pm {

/// One exit of an instance's process. A plain value.
struct ExitRecord {
  std::int64_t at = 0;  // wall clock, ms since 1970
  int pid = 0;
  std::string exit;  // "code 1", "SIGKILL"
  std::int64_t uptime_ms = 0;
  bool stopped = false;  // a stop asked for it: not a crash
};

/// A plain value: pmd builds it (daemon/control/process_rows.cc), the CLI
/// prints it. On the wire its row's fields sit beside its own.
struct InstanceDetails {
  ProcessRow process;
  AppSpec spec;
  std::int64_t created_at = 0;  // wall clock, ms since 1970
  int unstable_restarts = 0;    // crashes in a row within min_uptime
  std::string last_exit;        // "code 1", "SIGKILL"; empty before the first exit
  std::string error;            // why it last failed to start or run
  std::string reload_error;     // why the app's last reload failed, until one succeeds
  std::string start_warning;    // what its start warned about (App::start_warning)
  std::string out_log;
  std::string err_log;
  std::string combined_log;         // out and err together (log_file); empty: none
  std::string log_error;            // why a log file cannot be written
  std::string socket_via;           // how the process gets its listening socket
  std::string ready_via;            // which signal made it ready
  std::string notify_socket;        // its NOTIFY_SOCKET path
  std::string tracked_by;           // how pmd finds every process of the run
  std::vector<ExitRecord> history;  // the last exits, newest last
};

void to_json(nlohmann::json& value, const ExitRecord& exit);
void from_json(const nlohmann::json& value, ExitRecord& exit);
void to_json(nlohmann::json& value, const InstanceDetails& details);
/// Fields that are absent keep their defaults; a spec that is there must be
/// valid (SpecError).
void from_json(const nlohmann::json& value, InstanceDetails& details);

}  // namespace pm
