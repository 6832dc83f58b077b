#pragma once
// ScheduledReloads: the reloads nobody typed. An instance over its app's
// max_memory_restart is replaced (checked every second), and an app with a
// cron_restart is reloaded on schedule, and an app with --watch once its
// files have changed and stayed quiet for watch_delay; all through the
// Supervisor's rolling reload, so nothing stops serving (and a change that
// breaks the app leaves the old instances serving).

#include <uv.h>

#include <memory>
#include <string>
#include <vector>

#include "daemon/uv/timer.h"

namespace pm {

class App;
class Supervisor;

/// Owned by the Supervisor.
class ScheduledReloads {
 public:
  /// `home`: pmd's PM_HOME, whose files change all the time and never count.
  ScheduledReloads(Supervisor& supervisor, uv_loop_t* loop, std::string home);

  /// Watches memory while some app has a limit (after a start, a new spec...).
  void update();
  /// Arms (or disarms) an app's next cron_restart (its App::cron_timer).
  void schedule_cron(App& app);
  /// Starts (or ends) watching an app's files, as its spec says.
  void watch_files(App& app);

 private:
  void check_memory();
  /// Restarts the app's instances past twice its limit; whether any was.
  bool stop_past_ceiling(const App& app);
  void reload(const std::string& name, std::vector<int> ids, const std::string& why);
  /// A watched file of app `name` changed: the reload waits for quiet.
  void file_changed(const std::string& name, const std::string& path);

  Supervisor& supervisor_;
  uv_loop_t* loop_;
  std::string home_;
  Timer memory_timer_;
};

}  // namespace pm
