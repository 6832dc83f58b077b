#pragma once
// Handlers: pmd's side of the control protocol, one function per command of
// common/protocol_table.h, in families of one file each. Each turns its
// request into Supervisor calls and replies to its client (after
// streaming, for some), now or once the work is done. CommandHandler
// dispatches to them.

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/protocol.h"
#include "daemon/control/client_connection.h"
#include "daemon/logs/log_bus.h"
#include "daemon/logs/tail_reader.h"
#include "daemon/supervision/state_store.h"
#include "daemon/supervision/supervisor.h"

namespace pm {

/// The client a handler answers; a reply to a client that has gone is dropped.
using Client = std::shared_ptr<ClientConnection>;

/// What the handlers work with. Owned by the CommandHandler.
struct CommandContext {
  /// Stops every app and then the daemon; calls its argument once the apps
  /// are down.
  using Shutdown = std::function<void(std::function<void()> apps_stopped)>;
  /// `pm update`: hands everything to the installed pmd. Returns only on
  /// failure, with why.
  using Takeover = std::function<std::string(Client client)>;

  uv_loop_t* loop;
  Supervisor& supervisor;
  LogBus& bus;
  StateStore state;
  Shutdown shutdown;
  Takeover takeover;
  std::int64_t started_at;  // when this pmd image started, wall clock ms
  TailReader tails;         // past lines for `pm logs`, off the loop
};

/// One command's handler. Throws UserError (or json::exception, for a
/// malformed request) to reply with an error.
using Handler = void (*)(CommandContext& context, const json& request, Client client);

/// The instance ids named by the request's `targets`: app names, instance
/// ids, "all". With none: every instance when `default_all`, else an error.
std::vector<int> requested_ids(const Supervisor& supervisor, const json& request, bool default_all);

namespace handlers {

// What runs: process_commands.cc. Replies carry the rows of the instances
// touched; start and scale reply once the new instances are ready or failed.
void start(CommandContext& context, const json& request, Client client);
void scale(CommandContext& context, const json& request, Client client);
void stop(CommandContext& context, const json& request, Client client);
void restart(CommandContext& context, const json& request, Client client);
void reset(CommandContext& context, const json& request, Client client);
void remove(CommandContext& context, const json& request, Client client);

// What is there, changing nothing: list_commands.cc.
void list(CommandContext& context, const json& request, Client client);
void describe(CommandContext& context, const json& request, Client client);
void env(CommandContext& context, const json& request, Client client);

// Rolling reloads and ecosystem deploys, streaming progress: reload_commands.cc.
void reload(CommandContext& context, const json& request, Client client);
void apply(CommandContext& context, const json& request, Client client);

// Log files and followers: log_commands.cc.
void logs(CommandContext& context, const json& request, Client client);
void flush(CommandContext& context, const json& request, Client client);
void reload_logs(CommandContext& context, const json& request, Client client);

// Messages and signals to instances: message_commands.cc.
void send(CommandContext& context, const json& request, Client client);
void signal(CommandContext& context, const json& request, Client client);

// The saved app list: state_commands.cc.
void save(CommandContext& context, const json& request, Client client);
void resurrect(CommandContext& context, const json& request, Client client);
void cleardump(CommandContext& context, const json& request, Client client);
/// `pm resurrect` without a client (pmd --resurrect at boot): problems go to
/// pmd's log.
void resurrect_at_start(CommandContext& context);
/// After a pmd that died without exiting cleanly: ends what it left and
/// starts its apps again, each once. False when there was nothing to do.
bool recover_at_start(CommandContext& context);

// pmd itself: daemon_commands.cc.
void ping(CommandContext& context, const json& request, Client client);
void kill(CommandContext& context, const json& request, Client client);
void update(CommandContext& context, const json& request, Client client);

}  // namespace handlers

}  // namespace pm
