#include "common/protocol.h"

namespace pm {

json make_request(const Command& command, json args) {
  args[field::kV] = kProtocolVersion;
  args[field::kCmd] = command.name;
  return args;
}

json ok_reply(json fields) {
  fields[field::kOk] = true;
  return fields;
}

json error_reply(const std::string& message) {
  return json{{field::kOk, false}, {field::kError, message}};
}

std::string encode_line(const json& value) {
  std::string line = value.dump(-1, ' ', false, json::error_handler_t::replace);
  line.push_back('\n');
  return line;
}

std::optional<std::string> check_request(const json& request) {
  if (!request.is_object()) return "request must be a JSON object";
  auto version = request.find(field::kV);
  if (version == request.end() || !version->is_number_integer())
    return std::string("request has no protocol version (field \"") + field::kV + "\")";
  if (*version != kProtocolVersion) {
    return "protocol version mismatch: pm speaks " + std::to_string(version->get<int>()) +
           ", pmd speaks " + std::to_string(kProtocolVersion) +
           "; run `pm kill` (or `pm update`) to start the installed daemon";
  }
  auto cmd = request.find(field::kCmd);
  if (cmd == request.end() || !cmd->is_string())
    return std::string("request has no command (field \"") + field::kCmd + "\")";
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
