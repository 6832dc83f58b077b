#include <map>

#include "common/user_error.h"
#include "daemon/control/handlers.h"

namespace pm {

namespace {

/// The final reply of a reload to a client that may have gone: ok, or why
/// it failed.
void reply_done(const std::weak_ptr<ClientConnection>& weak, const json& fields,
                const std::string& error) {
  auto client = weak.lock();
  if (!client) return;
  client->reply(error.empty() ? ok_reply(fields) : error_reply(error));
}

}  // namespace

namespace handlers {

void reload(CommandContext& context, const json& request, Client client) {
  Supervisor& supervisor = context.supervisor;
  ReloadPlan plan = supervisor.plan_reload(requested_ids(supervisor, request, false));
  plan.parallel = request.value(field::kParallel, 1);
  if (plan.parallel < 1) throw UserError("--parallel must be at least 1");
  if (request.contains(field::kEnv))
    plan.env = request[field::kEnv].get<std::map<std::string, std::string>>();
  bool wait = request.value(field::kWait, true);
  std::weak_ptr<ClientConnection> weak = client;
  supervisor.reload(
      std::move(plan),
      [weak, wait](const json& step) {
        if (auto follower = weak.lock(); follower && wait) follower->stream(step);
      },
      [weak, wait](std::string error) {
        if (wait) reply_done(weak, json::object(), error);
      });
  if (!wait) client->reply(ok_reply({{field::kStarted, true}}));
}

void apply(CommandContext& context, const json& request, Client client) {
  Supervisor& supervisor = context.supervisor;
  std::string action = request.value(field::kAction, "reload");
  if (action != "reload" && action != "restart")
    throw UserError("apply takes action reload or restart");
  if (!request.contains(field::kSpecs) || !request[field::kSpecs].is_array())
    throw UserError(std::string("apply needs \"") + field::kSpecs + "\"");
  std::vector<AppSpec> fresh;
  std::vector<int> existing_ids;
  json report = json::array();
  for (const auto& value : request[field::kSpecs]) {
    AppSpec spec = spec_from_json(value);
    if (App* app = supervisor.find_app(spec.name)) {
      std::string name = spec.name;
      auto kept = supervisor.renew(*app, std::move(spec));
      existing_ids.insert(existing_ids.end(), kept.begin(), kept.end());
      report.push_back(
          {{field::kName, name}, {field::kAction, action == "reload" ? "reloaded" : "restarted"}});
    } else {
      report.push_back({{field::kName, spec.name}, {field::kAction, "started"}});
      fresh.push_back(std::move(spec));
    }
  }
  if (!fresh.empty()) supervisor.start_all(std::move(fresh));
  std::weak_ptr<ClientConnection> weak = client;
  json fields{{field::kApps, report}};
  if (existing_ids.empty()) return reply_done(weak, fields, "");
  if (action == "restart") {
    supervisor.restart(existing_ids, [weak, fields] { reply_done(weak, fields, ""); });
    return;
  }
  supervisor.reload(
      supervisor.plan_reload(existing_ids),
      [weak](const json& step) {
        if (auto follower = weak.lock()) follower->stream(step);
      },
      [weak, fields](std::string error) { reply_done(weak, fields, error); });
}

}  // namespace handlers

}  // namespace pm
