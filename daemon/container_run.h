#pragma once
// ContainerRun: pmd as `pm run` runs it, in the foreground of a container
// (often as PID 1): every instance's output on pmd's stdout, prefixed
// "id|app|" as `pm logs` prints it or one JSON object a line, and an end of
// its own once every app has stopped, with an exit code that says whether
// they stopped cleanly. SIGTERM and SIGINT stop the apps gracefully as
// everywhere else (see Daemon); reaping orphans is the ChildReaper's.

#include <uv.h>

#include <functional>

#include "daemon/logs/log_bus.h"
#include "daemon/uv/timer.h"

namespace pm {

class Supervisor;

/// Owned by the Daemon when pmd runs with --run.
class ContainerRun {
 public:
  /// `stop_all` stops every app and ends pmd (Daemon::shutdown).
  ContainerRun(uv_loop_t* loop, LogBus& bus, const Supervisor& supervisor, bool json,
               std::function<void()> stop_all);
  ~ContainerRun();
  ContainerRun(const ContainerRun&) = delete;
  ContainerRun& operator=(const ContainerRun&) = delete;

  /// 0 when the apps stopped cleanly (pm stop, pm kill, SIGTERM, exits
  /// their stop_exit_codes allow); 1 when one gave up (errored) or none
  /// was ever started.
  int exit_code() const { return started_ && !errored_ ? 0 : 1; }
  /// Takes note of the apps as they are; the Daemon calls it before a stop
  /// removes them, so that a SIGTERM between two checks is judged right.
  /// Whether some instance runs or is on its way.
  bool observe();

 private:
  void print(const LogLine& line);
  /// Ends pmd once no instance runs or is on its way any more.
  void check();

  LogBus& bus_;
  const Supervisor& supervisor_;
  bool json_;
  std::function<void()> stop_all_;
  int token_;
  Timer check_timer_;
  bool started_ = false;
  bool errored_ = false;
  bool ending_ = false;
};

}  // namespace pm
