#pragma once
// The control protocol between `pm` and `pmd`: newline-delimited JSON over a
// Unix stream socket. One request gets one reply, except streaming requests
// (`logs` with follow) which keep sending lines until the client hangs up.
// This file frames and wraps messages; common/protocol_table.h lists every
// command with its fields.

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/protocol_table.h"

namespace pm {

using json = nlohmann::json;

/// Bumped whenever a request or reply changes shape; both sides must agree.
inline constexpr int kProtocolVersion = 1;

/// The largest request the daemon reads; anything longer is refused.
inline constexpr std::size_t kMaxRequestBytes = 1 << 20;

/// Builds a request for `command` with the protocol version stamped on it.
json make_request(const Command& command, json args = json::object());

/// A successful reply carrying `fields`.
json ok_reply(json fields = json::object());

/// A failed reply whose message is shown to the user as is.
json error_reply(const std::string& message);

/// One JSON value serialised on one line, newline included.
std::string encode_line(const json& value);

/// Checks a decoded request's envelope (object, version, command name) and
/// returns a user-facing error, or nothing when it is well formed.
std::optional<std::string> check_request(const json& request);

/// Accumulates bytes from a stream and hands out complete lines. Owned by
/// whoever reads the stream; keeps at most one partial line.
class LineBuffer {
 public:
  void append(const char* data, std::size_t size) { buffer_.append(data, size); }
  /// Moves the next complete line (without its newline) into `line`.
  bool next_line(std::string& line);
  /// Bytes held that do not yet form a complete line.
  std::size_t partial_size() const { return buffer_.size() - start_; }
  /// Takes whatever partial line remains (at end of stream).
  std::string take_rest();

 private:
  std::string buffer_;
  std::size_t start_ = 0;
};

}  // namespace pm
