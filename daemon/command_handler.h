#pragma once
// CommandHandler: turns each control request into Supervisor calls and a
// reply. All request names and reply shapes live here.

#include <functional>
#include <memory>

#include "common/protocol.h"
#include "daemon/client_connection.h"
#include "daemon/log_bus.h"
#include "daemon/supervisor.h"

namespace pm {

/// Owned by the Daemon.
class CommandHandler {
 public:
  /// `shutdown` stops every app and then the daemon; it calls its argument
  /// once the apps are down.
  using Shutdown = std::function<void(std::function<void()> apps_stopped)>;

  CommandHandler(uv_loop_t* loop, Supervisor& supervisor, LogBus& bus, Shutdown shutdown)
      : loop_(loop), supervisor_(supervisor), bus_(bus), shutdown_(std::move(shutdown)) {}

  void handle(const json& request, std::shared_ptr<ClientConnection> client);

 private:
  using Client = std::shared_ptr<ClientConnection>;
  void start(const json& request, Client client);
  void ping(const json& request, Client client);
  void kill(const json& request, Client client);
  void reload_logs(const json& request, Client client);
  void list(const json& request, Client client);
  void stop(const json& request, Client client);
  void restart(const json& request, Client client);
  void remove(const json& request, Client client);
  void describe(const json& request, Client client);
  void reload(const json& request, Client client);
  void send(const json& request, Client client);
  void signal(const json& request, Client client);
  void logs(const json& request, Client client);
  void flush(const json& request, Client client);

  /// Replies once every instance of the new app is ready or has failed.
  void reply_when_started(const std::string& name, Client client);
  std::vector<int> targets(const json& request, bool default_all) const;
  json rows(const std::vector<int>& only = {}) const;

  uv_loop_t* loop_;
  Supervisor& supervisor_;
  LogBus& bus_;
  Shutdown shutdown_;
};

}  // namespace pm
