#pragma once
// LogBus: carries every output line of every instance to the live `pm logs`
// followers. Publishing with no follower costs one branch.

#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace pm {

/// One line of output, valid only during the publish call.
struct LogLine {
  int instance_id;
  const std::string& app;
  const char* stream;  // "out" or "err"
  std::string_view text;
};

/// Owned by the Daemon. LogSinks publish; followers subscribe.
class LogBus {
 public:
  using Listener = std::function<void(const LogLine&)>;

  int subscribe(Listener listener);
  void unsubscribe(int token);
  bool has_listeners() const { return !listeners_.empty(); }
  void publish(const LogLine& line);

 private:
  std::map<int, Listener> listeners_;
  int next_token_ = 1;
  // While publishing, unsubscribing only empties the slot: the listener
  // being called may be the one that goes.
  bool publishing_ = false;
};

}  // namespace pm
