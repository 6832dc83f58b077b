#include "daemon/sockets/half_open.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace pm {

namespace {

constexpr const char* kSynRecv = "03";

void read_table(const char* path, int port, std::set<std::string>& peers) {
  std::ifstream table(path);
  std::string line;
  std::getline(table, line);  // the header
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    if (!(fields >> slot >> local >> remote >> state) || state != kSynRecv) continue;
    std::size_t colon = local.rfind(':');
    if (colon == std::string::npos) continue;
    if (std::strtol(local.c_str() + colon + 1, nullptr, 16) == port) peers.insert(remote);
  }
}

}  // namespace

std::set<std::string> half_open_peers(int port) {
  std::set<std::string> peers;
  read_table("/proc/net/tcp", port, peers);
  read_table("/proc/net/tcp6", port, peers);
  return peers;
}

}  // namespace pm
