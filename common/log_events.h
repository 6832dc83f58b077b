#pragma once
// The messages `logs` streams: the last lines of each log file, then (when
// following) each new line, and a notice when a slow reader missed lines.

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace pm {

/// The last lines of one instance's log file, sent first. A plain value.
struct LogTailEvent {
  int id = 0;  // the instance
  std::string name;
  std::string stream;  // "out" or "err"
  std::string path;
  std::vector<std::string> lines;  // oldest first
};

/// One new line of an instance's output, as it comes. A plain value.
struct LogLineEvent {
  int id = 0;  // the instance
  std::string name;
  std::string stream;  // "out" or "err"
  std::string line;    // without its newline
};

/// Lines a follower did not get because it read slower than the apps
/// wrote, sent before the next line it gets. A plain value.
struct DroppedLinesEvent {
  std::size_t count = 0;
};

// Each event carries its message type; from_json does not check it.
void to_json(nlohmann::json& value, const LogTailEvent& event);
void from_json(const nlohmann::json& value, LogTailEvent& event);
void to_json(nlohmann::json& value, const LogLineEvent& event);
void from_json(const nlohmann::json& value, LogLineEvent& event);
void to_json(nlohmann::json& value, const DroppedLinesEvent& event);
void from_json(const nlohmann::json& value, DroppedLinesEvent& event);

}  // namespace pm
