#include "common/user_error.h"
#include "daemon/control/handlers.h"
#include "daemon/control/process_rows.h"

namespace pm::handlers {

void list(CommandContext& context, const json&, Client client) {
  client->reply(ok_reply({{field::kProcesses, process_rows(context.supervisor)}}));
}

void describe(CommandContext& context, const json& request, Client client) {
  std::vector<InstanceDetails> instances;
  for (int id : requested_ids(context.supervisor, request, false)) {
    Instance* instance = context.supervisor.find(id);
    App* app = context.supervisor.app_of(id);
    if (instance && app) instances.push_back(instance_details(*app, *instance));
  }
  client->reply(ok_reply({{field::kInstances, instances}}));
}

void env(CommandContext& context, const json& request, Client client) {
  auto ids = requested_ids(context.supervisor, request, false);
  Instance* instance = ids.empty() ? nullptr : context.supervisor.find(ids[0]);
  if (!instance) throw UserError("no such instance");
  client->reply(ok_reply({{field::kId, instance->id()}, {field::kEnv, instance->child_env()}}));
}

}  // namespace pm::handlers
