#include "common/protocol.h"

namespace pm {

json make_request(const std::string& cmd, json args) {
  args["v"] = kProtocolVersion;
  args["cmd"] = cmd;
  return args;
}

json ok_reply(json fields) {
  fields["ok"] = true;
  return fields;
}

json error_reply(const std::string& message) {
  return json{{"ok", false}, {"error", message}};
}

std::string encode_line(const json& value) {
  std::string line = value.dump(-1, ' ', false, json::error_handler_t::replace);
  line.push_back('\n');
  return line;
}

std::optional<std::string> check_request(const json& request) {
  if (!request.is_object()) return "request must be a JSON object";
  auto version = request.find("v");
  if (version == request.end() || !version->is_number_integer())
    return "request has no protocol version (field \"v\")";
  if (*version != kProtocolVersion) {
    return "protocol version mismatch: pm speaks " + std::to_string(version->get<int>()) +
           ", pmd speaks " + std::to_string(kProtocolVersion) +
           "; run `pm kill` (or `pm update`) to start the installed daemon";
  }
  auto cmd = request.find("cmd");
  if (cmd == request.end() || !cmd->is_string()) return "request has no command (field \"cmd\")";
  return std::nullopt;
}

bool LineBuffer::next_line(std::string& line) {
  auto newline = buffer_.find('\n', start_);
  if (newline == std::string::npos) {
    if (start_ > 0) {
      buffer_.erase(0, start_);
      start_ = 0;
    }
    return false;
  }
  line.assign(buffer_, start_, newline - start_);
  start_ = newline + 1;
  if (start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  }
  return true;
}

std::string LineBuffer::take_rest() {
  std::string rest = buffer_.substr(start_);
  buffer_.clear();
  start_ = 0;
  return rest;
}

}  // namespace pm
