#include "common/trusted_path.h"

#include <limits.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace pm {

namespace {

constexpr int kMaxLinks = 16;

std::string user_name(uid_t uid) {
  const passwd* pw = ::getpwuid(uid);
  std::string id = "uid " + std::to_string(uid);
  return pw ? "user " + std::string(pw->pw_name) + " (" + id + ")" : id;
}

[[noreturn]] void refuse(const std::string& path, const std::string& why) {
  throw std::runtime_error("refusing to use " + path + ": " + why +
                           ", so another user could take pm's socket and read what pm sends "
                           "pmd (environment included). Use a PM_HOME under a directory only "
                           "you and root can write (the default is ~/.pm)");
}

/// False when `entry` does not exist (what is missing, pm creates private).
bool check_entry(const std::string& entry, struct stat& st) {
  if (::lstat(entry.c_str(), &st) != 0) {
    if (errno == ENOENT) return false;
    throw std::runtime_error("cannot read " + entry + ": " + std::strerror(errno));
  }
  uid_t me = ::geteuid();
  if (st.st_uid != me && st.st_uid != 0) refuse(entry, "it belongs to " + user_name(st.st_uid));
  if (S_ISLNK(st.st_mode)) return true;
  bool others_write = (st.st_mode & (S_IWGRP | S_IWOTH)) != 0;
  bool root_sticky = S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX) && st.st_uid == 0;
  if (others_write && !root_sticky) refuse(entry, "others can write to it");
  return true;
}

void check(const std::string& path, int links) {
  std::vector<std::string> parts;
  for (std::size_t start = 0; start <= path.size();) {
    std::size_t slash = std::min(path.find('/', start), path.size());
    if (slash > start) parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  struct stat st {};
  if (!check_entry("/", st)) return;
  std::string prefix;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    prefix += "/" + parts[i];
    if (!check_entry(prefix, st)) return;
    if (!S_ISLNK(st.st_mode)) continue;
    if (links >= kMaxLinks) refuse(path, "it goes through too many symbolic links");
    char target[PATH_MAX];
    if (!::realpath(prefix.c_str(), target)) return;  // dangling: nothing there to trust yet
    std::string rest = target;
    for (std::size_t j = i + 1; j < parts.size(); ++j) rest += "/" + parts[j];
    return check(rest, links + 1);
  }
}

}  // namespace

void check_trusted_path(const std::string& path) {
  if (!path.empty() && path[0] == '/') return check(path, 0);
  char cwd[PATH_MAX];
  if (!::getcwd(cwd, sizeof cwd))
    throw std::runtime_error(std::string("cannot read the current directory: ") +
                             std::strerror(errno));
  check(std::string(cwd) + "/" + path, 0);
}

}  // namespace pm
