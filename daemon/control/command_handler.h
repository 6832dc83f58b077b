#pragma once
// CommandHandler: the dispatch table from each command of the control
// protocol (common/protocol_table.h) to its handler (handlers.h), and the
// context the handlers share.

#include "daemon/control/handlers.h"

namespace pm {

/// Owned by the Daemon.
class CommandHandler {
 public:
  using Shutdown = CommandContext::Shutdown;
  using Takeover = CommandContext::Takeover;

  CommandHandler(uv_loop_t* loop, Supervisor& supervisor, LogBus& bus, const Paths& paths,
                 Shutdown shutdown, Takeover takeover);

  /// `pm resurrect` without a client (pmd --resurrect at boot).
  void resurrect_at_start() { handlers::resurrect_at_start(context_); }
  bool recover_at_start() { return handlers::recover_at_start(context_); }

  /// Answers a well-formed request (see check_request); a failure is an
  /// error reply.
  void handle(const json& request, Client client);

 private:
  CommandContext context_;
};

}  // namespace pm
