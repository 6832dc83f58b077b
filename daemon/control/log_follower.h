#pragma once
// LogFollower: one `pm logs` client following live output. A follower that
// reads slower than the apps write loses lines, counted and reported to it,
// rather than making pmd buffer without end or slow anyone down.

#include <deque>
#include <memory>
#include <set>

#include "common/log_events.h"
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

  /// Subscribes `client` to `bus` until the client goes away. Lines are
  /// held back until release(), so that the past lines, read meanwhile,
  /// reach the client first and none is missed or sent twice.
  static std::shared_ptr<LogFollower> follow(LogBus& bus,
                                             const std::shared_ptr<ClientConnection>& client,
                                             LogFilter filter);
  /// Sends what was held back, then every line as it comes.
  void release();

  LogFollower(std::weak_ptr<ClientConnection> client, LogFilter filter)
      : client_(std::move(client)), filter_(std::move(filter)) {}

 private:
  void on_line(const LogLine& line);
  void send(ClientConnection& client, LogLineEvent event);

  std::weak_ptr<ClientConnection> client_;
  LogFilter filter_;
  bool held_ = true;
  std::deque<LogLineEvent> pending_;
  std::size_t pending_bytes_ = 0;
  std::size_t dropped_ = 0;
};

}  // namespace pm
