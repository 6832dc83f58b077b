#include "common/listen_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

#include "common/user_error.h"

namespace pm {

namespace {

int parse_port(const std::string& text, const std::string& whole) {
  if (text.empty() || text.size() > 5 ||
      !std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); }))
    throw UserError("bad listen address \"" + whole + "\": the port must be a number");
  int port = std::stoi(text);
  if (port > 65535)
    throw UserError("bad listen address \"" + whole + "\": port " + text + " is above 65535");
  return port;
}

bool is_ipv4(const std::string& host) {
  in_addr a{};
  return inet_pton(AF_INET, host.c_str(), &a) == 1;
}

bool is_ipv6(const std::string& host) {
  in6_addr a{};
  return inet_pton(AF_INET6, host.c_str(), &a) == 1;
}

}  // namespace

ListenAddress ListenAddress::parse(const std::string& text) {
  ListenAddress address;
  if (text.empty()) throw UserError("empty listen address");
  if (text[0] == '/' || text.rfind("unix:", 0) == 0) {
    address.kind = Kind::Unix;
    address.path = text[0] == '/' ? text : text.substr(5);
    if (address.path.empty()) throw UserError("bad listen address \"" + text + "\": no path");
    return address;
  }
  if (text[0] == '[') {
    auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':')
      throw UserError("bad listen address \"" + text + "\": write IPv6 as [::1]:8080");
    address.host = text.substr(1, close - 1);
    address.port = parse_port(text.substr(close + 2), text);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string::npos) {
      address.port = parse_port(text, text);
    } else {
      address.host = text.substr(0, colon);
      address.port = parse_port(text.substr(colon + 1), text);
    }
  }
  if (address.host == "*" || address.host == "::") address.host.clear();
  if (address.host == "localhost") address.host = "127.0.0.1";
  if (!address.host.empty() && !is_ipv4(address.host) && !is_ipv6(address.host))
    throw UserError("bad listen address \"" + text + "\": \"" + address.host +
                    "\" is not an IP address (use 0.0.0.0, 127.0.0.1, [::] ...)");
  return address;
}

std::string ListenAddress::key() const {
  if (kind == Kind::Unix) return "unix:" + path;
  return "tcp:" + host + ":" + std::to_string(port) + (v6only ? ":v6only" : "");
}

std::string ListenAddress::display() const {
  if (kind == Kind::Unix) return path;
  if (host.empty()) return ":" + std::to_string(port);
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

}  // namespace pm
