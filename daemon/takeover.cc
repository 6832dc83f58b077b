#include "daemon/takeover.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace pm {

using json = nlohmann::json;

namespace {

/// Every fd number the state holds, wherever it is.
void collect_fds(const json& value, std::vector<int>& fds) {
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      if (key.size() >= 2 && key.compare(key.size() - 2, 2, "fd") == 0 && item.is_number_integer())
        fds.push_back(item.get<int>());
      else
        collect_fds(item, fds);
    }
  } else if (value.is_array()) {
    for (const auto& item : value) collect_fds(item, fds);
  }
}

}  // namespace

std::string exec_successor(const Paths& paths, const std::string& binary, const json& state) {
  std::string path = paths.home + "/takeover.json";
  {
    std::ofstream out(path, std::ios::trunc);
    out << state.dump();
    if (!out) return "cannot write " + path;
  }
  ::chmod(path.c_str(), 0600);
  ::execl(binary.c_str(), "pmd", "--takeover", path.c_str(), static_cast<char*>(nullptr));
  std::string error = "cannot run " + binary + ": " + std::strerror(errno);
  std::vector<int> fds;
  collect_fds(state, fds);
  for (int fd : fds)
    if (fd >= 0 && fd != state.value("lock_fd", -1)) ::close(fd);
  ::unlink(path.c_str());
  return error;
}

json read_takeover_state(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  ::unlink(path.c_str());
  json state = json::parse(text.str(), nullptr, false);
  if (state.is_discarded() || !state.is_object())
    throw std::runtime_error("the state left by the previous pmd (" + path + ") is unreadable");
  return state;
}

}  // namespace pm
