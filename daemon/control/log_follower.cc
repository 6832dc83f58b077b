#include "daemon/control/log_follower.h"

#include "common/log_events.h"

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
      follower->stream(DroppedLinesEvent{*dropped});
      *dropped = 0;
    }
    follower->stream(LogLineEvent{line.instance_id, line.app, line.stream, std::string(line.text)});
  });
  client->start_streaming([&bus, token] { bus.unsubscribe(token); });
}

}  // namespace pm
