#include <unistd.h>

#include "daemon/control/handlers.h"

namespace pm::handlers {

void ping(CommandContext& context, const json&, Client client) {
  client->reply(ok_reply({{field::kPid, ::getpid()},
                          {field::kVersion, PM_VERSION},
                          {field::kStartedAt, context.started_at}}));
}

void kill(CommandContext& context, const json&, Client client) {
  context.shutdown([client] { client->reply(ok_reply({{field::kPid, ::getpid()}})); });
}

void update(CommandContext& context, const json&, Client client) {
  // Only a failed takeover returns: one that works replies itself, then execs.
  std::string error = context.takeover(client);
  client->reply(error_reply(error));
}

}  // namespace pm::handlers
