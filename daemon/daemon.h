#pragma once
// Daemon: pmd as a whole. Holds the single-instance lock, wires the control
// server to the command handler and the supervisor, and shuts down cleanly.

#include <uv.h>

#include <functional>
#include <memory>

#include "common/paths.h"
#include "daemon/container_run.h"
#include "daemon/control/command_handler.h"
#include "daemon/control/control_server.h"
#include "daemon/logs/log_bus.h"
#include "daemon/logs/log_files.h"
#include "daemon/metrics/metrics_endpoint.h"
#include "daemon/sockets/notify_socket.h"
#include "daemon/supervision/child_reaper.h"
#include "daemon/supervision/supervisor.h"

namespace pm {

/// Created by main() on the loop it runs. Everything the daemon owns hangs
/// off this object.
class Daemon {
 public:
  Daemon(uv_loop_t* loop, Paths paths);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  /// Takes the lock and opens the control socket. Throws std::runtime_error
  /// (another daemon holds this home, the socket cannot be bound). With
  /// `takeover`, the state a previous pmd left (`pm update`): its lock and
  /// apps are taken over.
  void open(const json* takeover = nullptr);
  /// Runs the loop until the daemon is told to stop. First, unless it
  /// `took_over` from `pm update`: when a pmd died here without exiting
  /// cleanly, ends what it left and starts its apps again (see Journal);
  /// otherwise brings back the saved apps when `resurrect`.
  void run(bool resurrect, bool took_over);
  /// Before open(): run as `pm run` does (see ContainerRun); `json` lines.
  void run_in_container(bool json) {
    container_mode_ = true;
    container_json_ = json;
  }
  /// What pmd exits with: ContainerRun's verdict under `pm run`, else 0.
  int exit_code() const { return container_ ? container_->exit_code() : 0; }

 private:
  void shutdown(std::function<void()> apps_stopped);
  void reload_all();
  std::string hand_over(std::shared_ptr<ClientConnection> client);
  void notify_service_manager();
  /// pm's signals (TERM, INT, USR2, HUP) and the ones it only logs (USR1).
  /// Binds pmd's NOTIFY_SOCKET, or takes over the previous pmd's.
  void open_notify_socket(const json* takeover);
  /// Serves /metrics where PM_METRICS says, if it says.
  void open_metrics();
  void watch_signals();
  void watch_signal(int signum, void (*handler)(uv_signal_t*, int));

  uv_loop_t* loop_;
  Paths paths_;
  int lock_fd_ = -1;
  bool shutting_down_ = false;
  std::unique_ptr<ChildReaper> reaper_;
  std::unique_ptr<AdoptedRuns> adopted_runs_;
  LogBus bus_;
  LogFiles log_files_;
  std::unique_ptr<InstanceContext> context_;
  std::unique_ptr<Supervisor> supervisor_;
  std::unique_ptr<NotifySocket> notify_;  // calls into the supervisor
  std::unique_ptr<CommandHandler> handler_;
  std::unique_ptr<MetricsEndpoint> metrics_;  // reads the supervisor
  bool container_mode_ = false;
  bool container_json_ = false;
  std::unique_ptr<ContainerRun> container_;  // reads the supervisor and the bus
  std::unique_ptr<ControlServer> server_;
  std::vector<uv_signal_t*> signals_;
};

}  // namespace pm
