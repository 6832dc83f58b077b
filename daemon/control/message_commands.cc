#include "common/signal_names.h"
#include "common/user_error.h"
#include "daemon/control/handlers.h"

namespace pm {

namespace {

/// Does `deliver` to each targeted instance and replies with the ids it
/// reached (under `reached`) and those it did not (not running).
template <typename Deliver>
void deliver_to_each(const Supervisor& supervisor, const std::vector<int>& ids, const char* reached,
                     const Client& client, Deliver deliver) {
  json done = json::array(), missed = json::array();
  for (int id : ids) {
    Instance* instance = supervisor.find(id);
    if (instance && deliver(*instance))
      done.push_back(id);
    else
      missed.push_back(id);
  }
  client->reply(ok_reply({{reached, done}, {field::kMissed, missed}}));
}

}  // namespace

namespace handlers {

void send(CommandContext& context, const json& request, Client client) {
  auto ids = requested_ids(context.supervisor, request, false);
  if (!request.contains(field::kMessage))
    throw UserError(std::string("send needs a \"") + field::kMessage + "\"");
  const json& message = request[field::kMessage];
  deliver_to_each(context.supervisor, ids, field::kDelivered, client,
                  [&](Instance& instance) { return instance.send_message(message); });
}

void signal(CommandContext& context, const json& request, Client client) {
  auto ids = requested_ids(context.supervisor, request, false);
  std::string name = request.value(field::kSignal, "");
  int signum = signal_number(name);
  if (signum == 0) throw UserError("\"" + name + "\" is not a signal");
  deliver_to_each(context.supervisor, ids, field::kSignalled, client,
                  [&](Instance& instance) { return instance.signal(signum); });
}

}  // namespace handlers

}  // namespace pm
