#include "common/user_error.h"
#include "daemon/control/handlers.h"
#include "daemon/control/process_rows.h"
#include "daemon/control/start_progress.h"
#include "daemon/uv/timer.h"

namespace pm {

namespace {

std::vector<int> ids_of(const Supervisor& supervisor, const std::vector<std::string>& names) {
  std::vector<int> ids;
  for (const auto& name : names)
    if (App* app = supervisor.find_app(name))
      for (const auto& instance : app->instances()) ids.push_back(instance->id());
  return ids;
}

/// Replies once every instance of the apps (or only those ids) is ready or
/// has failed.
void reply_when_started(CommandContext& context, const std::vector<std::string>& names,
                        const std::vector<int>& only, Client client) {
  Supervisor& supervisor = context.supervisor;
  auto deadline = std::make_shared<Timer>(context.loop);
  auto finished = std::make_shared<bool>(false);
  // Returns true once it has replied.
  auto settle = [&supervisor, names, only, client, finished](bool out_of_time) {
    if (*finished) return true;
    StartProgress progress = StartProgress::of(supervisor, names, only, out_of_time);
    if (!progress.missing_app.empty()) {
      *finished = true;
      client->reply(
          error_reply("app \"" + progress.missing_app + "\" was deleted while it started"));
      return true;
    }
    if (progress.pending && progress.listen_error.empty()) return false;
    *finished = true;
    if (!progress.listen_error.empty() && only.empty()) {
      // The port cannot be had: start nothing rather than a crash loop.
      supervisor.remove(ids_of(supervisor, names), [client, names, error = progress.listen_error] {
        client->reply(error_reply("cannot start " + names[0] + ": " + error));
      });
      return true;
    }
    std::vector<int> ids = only.empty() ? ids_of(supervisor, names) : only;
    client->reply(ok_reply({{field::kNames, names},
                            {field::kProcesses, process_rows(supervisor, ids)},
                            {field::kProblems, progress.problems},
                            {field::kLogProblems, progress.log_problems},
                            {field::kWarnings, progress.warnings}}));
    return true;
  };
  deadline->start(StartProgress::wait_ms(supervisor, names), [settle] { settle(true); });
  if (settle(false)) return;
  supervisor.watch([settle, deadline] { return settle(false); });
}

/// The instance count `scale` asks for: N, or +N / -N from `current`.
int scale_target(const std::string& count, int current) {
  try {
    std::size_t used = 0;
    int number = std::stoi(count, &used);
    if (used != count.size()) throw std::invalid_argument(count);
    return (count[0] == '+' || count[0] == '-') ? current + number : number;
  } catch (const std::exception&) {
    throw UserError("scale takes N, +N or -N (got \"" + count + "\")");
  }
}

/// What replies, once it runs, with the rows of the instances `ids`.
std::function<void()> reply_rows(const Supervisor& supervisor, Client client,
                                 std::vector<int> ids) {
  return [&supervisor, client, ids] {
    client->reply(ok_reply({{field::kProcesses, process_rows(supervisor, ids)}}));
  };
}

/// `start -f` of an app that exists: PM2 runs one more process under the
/// same name; here that is more instances of the app, with its settings.
void start_duplicate(CommandContext& context, const AppSpec& spec, bool wait, Client client) {
  App* app = context.supervisor.find_app(spec.name);
  int current = static_cast<int>(app->instances().size());
  int more = resolve_instances(spec.instances, static_cast<int>(uv_available_parallelism()));
  auto added = context.supervisor.scale(spec.name, current + more, [] {});
  if (wait) {
    reply_when_started(context, {spec.name}, added, client);
    return;
  }
  client->reply(ok_reply({{field::kNames, json::array({spec.name})},
                          {field::kProcesses, process_rows(context.supervisor, added)}}));
}

}  // namespace

namespace handlers {

void start(CommandContext& context, const json& request, Client client) {
  std::vector<AppSpec> specs;
  if (request.contains(field::kSpecs) && request[field::kSpecs].is_array()) {
    for (const auto& spec : request[field::kSpecs]) specs.push_back(spec_from_json(spec));
  } else if (request.contains(field::kSpec)) {
    specs.push_back(spec_from_json(request[field::kSpec]));
  } else {
    throw UserError(std::string("start needs a \"") + field::kSpec + "\"");
  }
  if (specs.empty()) throw UserError("start needs at least one app");
  if (request.value(field::kForce, false) && specs.size() == 1 &&
      context.supervisor.find_app(specs[0].name)) {
    start_duplicate(context, specs[0], request.value(field::kWait, true), client);
    return;
  }
  std::vector<std::string> names = context.supervisor.start_all(std::move(specs));
  if (request.value(field::kWait, true)) {
    reply_when_started(context, names, {}, client);
    return;
  }
  std::vector<int> ids = ids_of(context.supervisor, names);
  client->reply(ok_reply(
      {{field::kNames, names}, {field::kProcesses, process_rows(context.supervisor, ids)}}));
}

void scale(CommandContext& context, const json& request, Client client) {
  Supervisor& supervisor = context.supervisor;
  std::string name = request.value(field::kName, "");
  std::string count = request.value(field::kCount, "");
  App* app = supervisor.find_app(name);
  if (!app) supervisor.select({name});  // throws, naming the apps that exist
  int current = static_cast<int>(app->instances().size());
  int target = scale_target(count, current);
  if (target >= current) {
    // New instances count once they are ready.
    auto added = supervisor.scale(name, target, [] {});
    reply_when_started(context, {name}, added.empty() ? ids_of(supervisor, {name}) : added, client);
    return;
  }
  supervisor.scale(name, target, [&supervisor, client, name] {
    client->reply(
        ok_reply({{field::kNames, json::array()},
                  {field::kProcesses, process_rows(supervisor, ids_of(supervisor, {name}))}}));
  });
}

void stop(CommandContext& context, const json& request, Client client) {
  auto ids = requested_ids(context.supervisor, request, false);
  context.supervisor.stop(ids, reply_rows(context.supervisor, client, ids));
}

void restart(CommandContext& context, const json& request, Client client) {
  auto ids = requested_ids(context.supervisor, request, false);
  context.supervisor.restart(ids, reply_rows(context.supervisor, client, ids));
}

void reset(CommandContext& context, const json& request, Client client) {
  auto ids = requested_ids(context.supervisor, request, false);
  for (int id : ids)
    if (Instance* instance = context.supervisor.find(id)) instance->reset_counters();
  client->reply(ok_reply({{field::kProcesses, process_rows(context.supervisor, ids)}}));
}

void remove(CommandContext& context, const json& request, Client client) {
  auto ids = requested_ids(context.supervisor, request, false);
  context.supervisor.remove(ids, [client, ids] {
    client->reply(ok_reply({{field::kDeleted, ids}}));
  });
}

}  // namespace handlers

}  // namespace pm
