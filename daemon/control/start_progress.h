#pragma once
// StartProgress: how far the start of some apps has got. `pm start`,
// `pm scale` and ecosystem starts wait on it until every new instance is
// ready or has failed, so the CLI can say which one failed and why.

#include <cstdint>
#include <string>
#include <vector>

#include "common/protocol.h"

namespace pm {

class Supervisor;

/// A plain value, taken afresh at every instance state change.
struct StartProgress {
  bool pending = false;               // some instance is not ready yet
  json problems = json::array();      // {id, problem, stderr} for each failed instance
  json log_problems = json::array();  // {id, problem}: a log file it cannot write
  std::string listen_error;           // a port that could not be had
  std::string missing_app;            // an app deleted while it started
  json warnings = json::array();      // what the user should know about the apps

  /// Looks at the instances of `names` (only the ids in `only`, if any).
  /// Once `out_of_time`, a launching instance is no longer waited for.
  static StartProgress of(const Supervisor& supervisor, const std::vector<std::string>& names,
                          const std::vector<int>& only, bool out_of_time);
  /// The longest wait the apps call for: a second, or their listen timeout
  /// with --wait-ready.
  static std::uint64_t wait_ms(const Supervisor& supervisor, const std::vector<std::string>& names);
};

}  // namespace pm
