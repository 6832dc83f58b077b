#include "common/listen_arguments.h"

namespace pm {

namespace {

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

}  // namespace

std::string with_listen_placeholders(std::string arg, int port) {
  arg = replace_all(std::move(arg), "{fd}", "3");
  return port > 0 ? replace_all(std::move(arg), "{port}", std::to_string(port)) : arg;
}

}  // namespace pm
