#include "common/instance_details.h"

#include "common/json_members.h"
#include "common/protocol_table.h"

namespace pm {

using json = nlohmann::json;

namespace {

constexpr auto kExitMembers = std::make_tuple(json_member(field::kAt, &ExitRecord::at),
                                              json_member(field::kPid, &ExitRecord::pid),
                                              json_member(field::kExit, &ExitRecord::exit),
                                              json_member(field::kUptimeMs, &ExitRecord::uptime_ms),
                                              json_member(field::kStopped, &ExitRecord::stopped));

// Beside these: the row's fields, and the spec (read and checked as any).
constexpr auto kDetailsMembers =
    std::make_tuple(json_member(field::kCreatedAt, &InstanceDetails::created_at),
                    json_member(field::kUnstableRestarts, &InstanceDetails::unstable_restarts),
                    json_member(field::kLastExit, &InstanceDetails::last_exit),
                    json_member(field::kError, &InstanceDetails::error),
                    json_member(field::kReloadError, &InstanceDetails::reload_error),
                    json_member(field::kStartWarning, &InstanceDetails::start_warning),
                    json_member(field::kOutLog, &InstanceDetails::out_log),
                    json_member(field::kErrLog, &InstanceDetails::err_log),
                    json_member(field::kCombinedLog, &InstanceDetails::combined_log),
                    json_member(field::kLogError, &InstanceDetails::log_error),
                    json_member(field::kSocketVia, &InstanceDetails::socket_via),
                    json_member(field::kReadyVia, &InstanceDetails::ready_via),
                    json_member(field::kNotifySocket, &InstanceDetails::notify_socket),
                    json_member(field::kTrackedBy, &InstanceDetails::tracked_by),
                    json_member(field::kHistory, &InstanceDetails::history));

}  // namespace

void to_json(json& value, const ExitRecord& exit) {
  write_members(value, exit, kExitMembers);
}

void from_json(const json& value, ExitRecord& exit) {
  read_members(value, exit, kExitMembers);
}

void to_json(json& value, const InstanceDetails& details) {
  value = details.process;
  value[field::kSpec] = to_json(details.spec);
  write_members(value, details, kDetailsMembers);
}

void from_json(const json& value, InstanceDetails& details) {
  details.process = value.get<ProcessRow>();
  if (auto spec = value.find(field::kSpec); spec != value.end())
    details.spec = spec_from_json(*spec);
  read_members(value, details, kDetailsMembers);
}

}  // namespace pm
