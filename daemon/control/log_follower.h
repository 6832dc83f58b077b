#pragma once
// LogFollower: one `pm logs` client following live output. A follower that
// reads slower than the apps write loses lines, counted and reported to it,
// rather than making pmd buffer without end or slow anyone down.

#include <memory>
#include <set>

#include "daemon/control/client_connection.h"
#include "daemon/logs/log_bus.h"

namespace pm {

/// Which lines a follower wants.
struct LogFilter {
  bool everything = true;  // every instance, also those started later
  std::set<int> ids;       // otherwise these
  bool out = true;
  bool err = true;

  bool wants(const LogLine& line) const;
};

/// Lives in the LogBus subscription; gone when its client disconnects.
class LogFollower {
 public:
  /// More than this waiting for the client, and new lines are dropped.
  static constexpr std::size_t kBacklogBytes = 1 << 20;

  /// Subscribes `client` to `bus` until the client goes away.
  static void follow(LogBus& bus, const std::shared_ptr<ClientConnection>& client,
                     LogFilter filter);
};

}  // namespace pm
