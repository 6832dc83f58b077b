#pragma once
// Takeover: how `pm update` replaces the running pmd without stopping the
// apps. pmd writes its process table and the numbers of the fds it needs
// (sockets, pipes, channels, its lock) to $PM_HOME/takeover.json, keeps
// those fds open across exec, and execs the installed pmd in its own
// process: same pid, so every instance stays its child. The new image reads
// the table and adopts the fds.

#include <nlohmann/json.hpp>
#include <string>

#include "common/paths.h"

namespace pm {

/// Writes `state` and execs `binary` with --takeover. Returns only on
/// failure, with why; the copies of fds named in `state` are then closed.
std::string exec_successor(const Paths& paths, const std::string& binary,
                           const nlohmann::json& state);

/// Reads and removes the state a predecessor left; throws std::runtime_error.
nlohmann::json read_takeover_state(const std::string& path);

}  // namespace pm
