#include "daemon/control/log_follower.h"

namespace pm {

bool LogFilter::wants(const LogLine& line) const {
  if (!everything && !ids.count(line.instance_id)) return false;
  return line.stream[0] == 'o' ? out : err;
}

std::shared_ptr<LogFollower> LogFollower::follow(LogBus& bus,
                                                 const std::shared_ptr<ClientConnection>& client,
                                                 LogFilter filter) {
  auto follower = std::make_shared<LogFollower>(client, std::move(filter));
  int token = bus.subscribe([follower](const LogLine& line) { follower->on_line(line); });
  client->start_streaming([&bus, token] { bus.unsubscribe(token); });
  return follower;
}

void LogFollower::on_line(const LogLine& line) {
  if (!filter_.wants(line)) return;
  LogLineEvent event{line.instance_id, line.app, line.stream, std::string(line.text)};
  if (held_) {
    if (pending_bytes_ > kBacklogBytes) {
      ++dropped_;
      return;
    }
    pending_bytes_ += event.line.size();
    pending_.push_back(std::move(event));
    return;
  }
  auto client = client_.lock();
  if (client && !client->closed()) send(*client, std::move(event));
}

void LogFollower::release() {
  held_ = false;
  auto client = client_.lock();
  if (!client || client->closed()) return;
  for (auto& event : pending_) send(*client, std::move(event));
  pending_.clear();
  pending_bytes_ = 0;
}

void LogFollower::send(ClientConnection& client, LogLineEvent event) {
  if (client.queued_bytes() > kBacklogBytes) {
    ++dropped_;
    return;
  }
  if (dropped_) {
    client.stream(DroppedLinesEvent{dropped_});
    dropped_ = 0;
  }
  client.stream(event);
}

}  // namespace pm
