#include "common/log_events.h"

#include "common/json_members.h"
#include "common/protocol_table.h"

namespace pm {

using json = nlohmann::json;

namespace {

constexpr auto kTailMembers = std::make_tuple(json_member(field::kId, &LogTailEvent::id),
                                              json_member(field::kName, &LogTailEvent::name),
                                              json_member(field::kStream, &LogTailEvent::stream),
                                              json_member(field::kPath, &LogTailEvent::path),
                                              json_member(field::kLines, &LogTailEvent::lines));

constexpr auto kLineMembers = std::make_tuple(json_member(field::kId, &LogLineEvent::id),
                                              json_member(field::kName, &LogLineEvent::name),
                                              json_member(field::kStream, &LogLineEvent::stream),
                                              json_member(field::kLine, &LogLineEvent::line));

constexpr auto kDroppedMembers =
    std::make_tuple(json_member(field::kCount, &DroppedLinesEvent::count));

}  // namespace

void to_json(json& value, const LogTailEvent& event) {
  value = json{{field::kType, message_type::kTail}};
  write_members(value, event, kTailMembers);
}

void from_json(const json& value, LogTailEvent& event) {
  read_members(value, event, kTailMembers);
}

void to_json(json& value, const LogLineEvent& event) {
  value = json{{field::kType, message_type::kLine}};
  write_members(value, event, kLineMembers);
}

void from_json(const json& value, LogLineEvent& event) {
  read_members(value, event, kLineMembers);
}

void to_json(json& value, const DroppedLinesEvent& event) {
  value = json{{field::kType, message_type::kDropped}};
  write_members(value, event, kDroppedMembers);
}

void from_json(const json& value, DroppedLinesEvent& event) {
  read_members(value, event, kDroppedMembers);
}

}  // namespace pm
