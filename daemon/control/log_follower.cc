#include "daemon/control/log_follower.h"

namespace pm {

bool LogFilter::wants(const LogLine& line) const {
  if (!everything && !ids.count(line.instance_id)) return false;
  return line.stream[0] == 'o' ? out : err;
}

void LogFollower::follow(LogBus& bus, const std::shared_ptr<ClientConnection>& client,
                         LogFilter filter) {
  auto dropped = std::make_shared<std::size_t>(0);
  std::weak_ptr<ClientConnection> weak = client;
  int token = bus.subscribe([filter = std::move(filter), dropped, weak](const LogLine& line) {
    if (!filter.wants(line)) return;
    auto follower = weak.lock();
    if (!follower || follower->closed()) return;
    if (follower->queued_bytes() > kBacklogBytes) {
      ++*dropped;
      return;
    }
    if (*dropped) {
      follower->stream({{"type", "dropped"}, {"count", *dropped}});
      *dropped = 0;
    }
    follower->stream({{"type", "line"},
                      {"id", line.instance_id},
                      {"name", line.app},
                      {"stream", line.stream},
                      {"line", line.text}});
  });
  client->start_streaming([&bus, token] { bus.unsubscribe(token); });
}

}  // namespace pm
