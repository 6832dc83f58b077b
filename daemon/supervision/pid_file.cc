#include "daemon/supervision/pid_file.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <system_error>

namespace pm {

std::string pid_file_path(const std::string& configured, int id) {
  static const std::regex kPidSuffix("(-[0-9]+)?\\.pid$");
  if (configured.empty()) return "";
  return std::regex_replace(configured, kPidSuffix, "-" + std::to_string(id) + ".pid");
}

void write_pid_file(const std::string& path, pid_t pid) {
  if (path.empty()) return;
  std::error_code error;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), error);
  // Readers never see half a file: written beside it, then renamed over it.
  std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << pid << "\n";
    if (!out.flush()) {
      spdlog::warn("cannot write pid file {}: {}", path, std::strerror(errno));
      return;
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0)
    spdlog::warn("cannot write pid file {}: {}", path, std::strerror(errno));
}

void remove_pid_file(const std::string& path, pid_t pid) {
  if (path.empty()) return;
  std::ifstream in(path);
  pid_t written = 0;
  if (in >> written && written == pid) std::remove(path.c_str());
}

}  // namespace pm
