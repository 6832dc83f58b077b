#pragma once
// Where pm keeps its files: everything lives under one home directory,
// $PM_HOME or ~/.pm, so one daemon serves one home.

#include <string>

namespace pm {

/// The files of one pm home. A plain value; both binaries build one at start.
struct Paths {
  std::string home;

  std::string socket() const { return home + "/pm.sock"; }
  std::string daemon_lock() const { return home + "/pmd.lock"; }
  std::string start_lock() const { return home + "/start.lock"; }
  std::string daemon_pid() const { return home + "/pmd.pid"; }
  std::string daemon_log() const { return home + "/pmd.log"; }
  std::string log_dir() const { return home + "/logs"; }
  std::string notify_dir() const { return home + "/notify"; }

  /// $PM_HOME, else $HOME/.pm.
  static Paths from_environment();
};

/// The path of the running program's binary (/proc/self/exe), or empty
/// when the system will not say.
std::string self_exe();

/// The directory of the running program's binary, or empty.
std::string self_exe_dir();

/// Creates `dir` (and parents) if missing and makes it 0700. Throws
/// std::runtime_error if it exists but belongs to someone else, or if
/// another user could replace it (check_trusted_path).
void ensure_private_dir(const std::string& dir);

}  // namespace pm
