#include <spdlog/spdlog.h>

#include "common/user_error.h"
#include "daemon/control/handlers.h"

namespace pm {

namespace {

/// The specs of saved apps; throws SpecError for one that is not valid.
std::vector<AppSpec> specs_of(const json& apps) {
  std::vector<AppSpec> specs;
  for (const auto& value : apps) specs.push_back(spec_from_json(value));
  return specs;
}

}  // namespace

namespace handlers {

void save(CommandContext& context, const json& request, Client client) {
  json apps = json::array();
  int cpus = static_cast<int>(uv_available_parallelism());
  for (const auto& app : context.supervisor.apps()) {
    json spec = to_json(app->spec());
    spec.erase("argv");
    // A scaled app is saved with the count it runs, not the one it began with.
    int running = static_cast<int>(app->instances().size());
    if (resolve_instances(app->spec().instances, cpus) != running) spec["instances"] = running;
    apps.push_back(std::move(spec));
  }
  if (apps.empty() && !request.value(field::kForce, false))
    throw UserError("no app is running: saving would forget the saved list; use --force");
  context.state.save(apps);
  client->reply(ok_reply({{field::kPath, context.state.path()}, {field::kCount, apps.size()}}));
}

void resurrect(CommandContext& context, const json&, Client client) {
  std::vector<std::string> warnings;
  std::vector<AppSpec> specs;
  json skipped = json::array();
  for (AppSpec& spec : specs_of(context.state.load(warnings))) {
    if (context.supervisor.find_app(spec.name))
      skipped.push_back(spec.name);
    else
      specs.push_back(std::move(spec));
  }
  std::vector<std::string> names;
  if (!specs.empty()) names = context.supervisor.start_all(std::move(specs));
  client->reply(ok_reply(
      {{field::kStarted, names}, {field::kSkipped, skipped}, {field::kWarnings, warnings}}));
}

void resurrect_at_start(CommandContext& context) {
  try {
    std::vector<std::string> warnings;
    json apps = context.state.load(warnings);
    for (const auto& warning : warnings) spdlog::warn("resurrect: {}", warning);
    auto names = context.supervisor.start_all(specs_of(apps));
    spdlog::info("resurrected {} app(s)", names.size());
  } catch (const UserError& error) {
    spdlog::error("resurrect: {}", error.what());
  }
}

void cleardump(CommandContext& context, const json&, Client client) {
  context.state.clear();
  client->reply(ok_reply({{field::kPath, context.state.path()}}));
}

}  // namespace handlers

}  // namespace pm
