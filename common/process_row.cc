#include "common/process_row.h"

#include "common/json_members.h"
#include "common/protocol_table.h"

namespace pm {

namespace {

constexpr auto kMembers = std::make_tuple(
    json_member(field::kId, &ProcessRow::id), json_member(field::kName, &ProcessRow::name),
    json_member(field::kNamespace, &ProcessRow::namespace_name),
    json_member(field::kMode, &ProcessRow::mode), json_member(field::kListen, &ProcessRow::listen),
    json_member(field::kPid, &ProcessRow::pid), json_member(field::kStatus, &ProcessRow::status),
    json_member(field::kReady, &ProcessRow::ready),
    json_member(field::kRestarts, &ProcessRow::restarts),
    json_member(field::kUptimeMs, &ProcessRow::uptime_ms),
    json_member(field::kCpu, &ProcessRow::cpu), json_member(field::kMemory, &ProcessRow::memory));

}  // namespace

void to_json(nlohmann::json& value, const ProcessRow& row) {
  write_members(value, row, kMembers);
}

void from_json(const nlohmann::json& value, ProcessRow& row) {
  read_members(value, row, kMembers);
}

}  // namespace pm
