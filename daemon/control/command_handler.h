#pragma once
// CommandHandler: turns each control request into Supervisor calls and a
// reply. All request names and reply shapes live here.

#include <functional>
#include <memory>

#include "common/protocol.h"
#include "daemon/control/client_connection.h"
#include "daemon/logs/log_bus.h"
#include "daemon/supervision/state_store.h"
#include "daemon/supervision/supervisor.h"

namespace pm {

/// Owned by the Daemon.
class CommandHandler {
 public:
  /// `shutdown` stops every app and then the daemon; it calls its argument
  /// once the apps are down.
  using Shutdown = std::function<void(std::function<void()> apps_stopped)>;
  /// `pm update`: hand everything to the installed pmd. Returns only on
  /// failure, with why.
  using Takeover = std::function<std::string(std::shared_ptr<ClientConnection> client)>;

  CommandHandler(uv_loop_t* loop, Supervisor& supervisor, LogBus& bus, const Paths& paths,
                 Shutdown shutdown, Takeover takeover);

  /// `pm resurrect` without a client (pmd --resurrect at boot).
  void resurrect_at_start();

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

  void apply(const json& request, Client client);
  void scale(const json& request, Client client);
  void reset(const json& request, Client client);
  void env(const json& request, Client client);
  void save(const json& request, Client client);
  void resurrect(const json& request, Client client);
  void cleardump(const json& request, Client client);
  void update(const json& request, Client client);
  /// Replies once every instance of the apps (or only those ids) is ready
  /// or has failed.
  void reply_when_started(const std::vector<std::string>& names, const std::vector<int>& only,
                          Client client);
  std::vector<int> ids_of(const std::vector<std::string>& names) const;
  std::vector<int> targets(const json& request, bool default_all) const;
  json rows(const std::vector<int>& only = {}) const;

  uv_loop_t* loop_;
  Supervisor& supervisor_;
  LogBus& bus_;
  StateStore state_;
  Shutdown shutdown_;
  Takeover takeover_;
  std::int64_t started_at_;  // when this pmd image started, wall clock ms
};

}  // namespace pm
