#include "daemon/logs/log_bus.h"

namespace pm {

int LogBus::subscribe(Listener listener) {
  int token = next_token_++;
  listeners_.emplace(token, std::move(listener));
  return token;
}

void LogBus::unsubscribe(int token) {
  auto it = listeners_.find(token);
  if (it == listeners_.end()) return;
  if (publishing_)
    it->second = nullptr;
  else
    listeners_.erase(it);
}

void LogBus::publish(const LogLine& line) {
  if (listeners_.empty() || publishing_) return;
  publishing_ = true;
  bool emptied = false;
  for (auto& [token, listener] : listeners_) {
    if (listener) listener(line);
    if (!listener) emptied = true;
  }
  publishing_ = false;
  if (!emptied) return;
  for (auto it = listeners_.begin(); it != listeners_.end();) {
    if (it->second)
      ++it;
    else
      it = listeners_.erase(it);
  }
}

}  // namespace pm
