#include "common/paths.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "common/trusted_path.h"

namespace pm {

Paths Paths::from_environment() {
  const char* home = std::getenv("PM_HOME");
  if (home && *home) return Paths{home};
  const char* user_home = std::getenv("HOME");
  if (!user_home || !*user_home) {
    const passwd* pw = ::getpwuid(::getuid());
    user_home = pw ? pw->pw_dir : "/tmp";
  }
  return Paths{std::string(user_home) + "/.pm"};
}

std::string self_exe() {
  char path[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return "";
  return std::string(path, static_cast<std::size_t>(n));
}

std::string self_exe_dir() {
  std::string path = self_exe();
  return path.substr(0, path.find_last_of('/'));
}

void ensure_private_dir(const std::string& dir) {
  check_trusted_path(dir);
  for (std::size_t slash = dir.find('/', 1);; slash = dir.find('/', slash + 1)) {
    std::string part = dir.substr(0, slash);
    if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST)
      throw std::runtime_error("cannot create " + part + ": " + std::strerror(errno));
    if (slash == std::string::npos) break;
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0)
    throw std::runtime_error("cannot read " + dir + ": " + std::strerror(errno));
  if (!S_ISDIR(st.st_mode)) throw std::runtime_error(dir + " is not a directory");
  if (st.st_mode & S_ISVTX)
    throw std::runtime_error(dir + " is a shared directory; set PM_HOME to a directory of its own");
  if (st.st_uid != ::geteuid())
    throw std::runtime_error(dir + " belongs to another user; set PM_HOME to a directory of yours");
  if ((st.st_mode & 0777) != 0700 && ::chmod(dir.c_str(), 0700) != 0)
    throw std::runtime_error("cannot make " + dir + " private: " + std::strerror(errno));
}

}  // namespace pm
