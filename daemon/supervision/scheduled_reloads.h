#pragma once
// ScheduledReloads: the reloads nobody typed. An instance over its app's
// max_memory_restart is replaced (checked every second), and an app with a
// cron_restart is reloaded on schedule; both through the Supervisor's
// rolling reload, so nothing stops serving.

#include <uv.h>

#include <string>
#include <vector>

#include "daemon/uv/timer.h"

namespace pm {

class App;
class Supervisor;

/// Owned by the Supervisor.
class ScheduledReloads {
 public:
  ScheduledReloads(Supervisor& supervisor, uv_loop_t* loop);

  /// Watches memory while some app has a limit (after a start, a new spec...).
  void update();
  /// Arms (or disarms) an app's next cron_restart (its App::cron_timer).
  void schedule_cron(App& app);

 private:
  void check_memory();
  /// Restarts the app's instances past twice its limit; whether any was.
  bool stop_past_ceiling(const App& app);
  void reload(const std::string& name, std::vector<int> ids, const std::string& why);

  Supervisor& supervisor_;
  uv_loop_t* loop_;
  Timer memory_timer_;
};

}  // namespace pm
