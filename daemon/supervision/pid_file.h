#pragma once
// The pid file an app may ask for (`pm start -p FILE`, `pid_file`), named as
// PM2 names it: a trailing ".pid" (or "-N.pid") becomes "-<id>.pid", so every
// instance has its own; any other name is used as it is.

#include <sys/types.h>

#include <string>

namespace pm {

/// Where instance `id` writes its pid; empty when the app asks for none.
std::string pid_file_path(const std::string& configured, int id);

/// Writes `pid` to `path`, making its directory when missing. A failure is
/// logged: the app runs all the same.
void write_pid_file(const std::string& path, pid_t pid);

/// Removes `path` while it still names `pid`: a reload's replacement, with
/// the same id, may have written its own meanwhile.
void remove_pid_file(const std::string& path, pid_t pid);

}  // namespace pm
