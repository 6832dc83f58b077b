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

  CommandHandler(Supervisor& supervisor, LogBus& bus, Shutdown shutdown)
      : supervisor_(supervisor), bus_(bus), shutdown_(std::move(shutdown)) {}

  void handle(const json& request, std::shared_ptr<ClientConnection> client);

 private:
  using Client = std::shared_ptr<ClientConnection>;
  void start(const json& request, Client client);
  void list(Client client);
  void stop(const json& request, Client client);
  void restart(const json& request, Client client);
  void remove(const json& request, Client client);
  void describe(const json& request, Client client);
  void logs(const json& request, Client client);
  void flush(const json& request, Client client);

  std::vector<int> targets(const json& request, bool default_all) const;
  json rows(const std::vector<int>& only = {}) const;

  Supervisor& supervisor_;
  LogBus& bus_;
  Shutdown shutdown_;
};

}  // namespace pm
