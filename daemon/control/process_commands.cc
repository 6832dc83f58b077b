#include <algorithm>
#include <cctype>
#include <map>

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

/// What `pm start <word>` names among the apps when it is not a new app,
/// as PM2 decides: a bare word (no '/', no extension) that names apps, a
/// namespace or an id starts those again; a script whose app is stopped or
/// errored starts that app again. Empty when it is to start as a new app.
std::vector<int> known_again(const Supervisor& supervisor, const AppSpec& spec) {
  const std::string& word = spec.script;
  bool bare = word.find_first_of("/. ") == std::string::npos;
  bool known =
      std::any_of(supervisor.apps().begin(), supervisor.apps().end(), [&](const auto& app) {
        return app->spec().name == word || app->spec().namespace_name == word ||
               (word.size() < 10 && std::all_of(word.begin(), word.end(), ::isdigit) &&
                app->find(std::stoi(word)));
      });
  if (bare && known) return supervisor.select({word});
  App* app = supervisor.find_app(spec.name);
  if (!app || app->spec().script != word) return {};
  std::vector<int> ids;
  for (const auto& instance : app->instances()) {
    InstanceState state = instance->state();
    if (state != InstanceState::Stopped && state != InstanceState::Errored) return {};
    ids.push_back(instance->id());
  }
  return ids;
}

}  // namespace

namespace handlers {

void start(CommandContext& context, const json& request, Client client) {
  Supervisor& supervisor = context.supervisor;
  std::vector<AppSpec> specs;
  bool from_file = request.contains(field::kSpecs) && request[field::kSpecs].is_array();
  if (from_file) {
    for (const auto& spec : request[field::kSpecs]) specs.push_back(spec_from_json(spec));
  } else if (request.contains(field::kSpec)) {
    specs.push_back(spec_from_json(request[field::kSpec]));
  } else {
    throw UserError(std::string("start needs a \"") + field::kSpec + "\"");
  }
  if (specs.empty()) throw UserError("start needs at least one app");
  bool wait = request.value(field::kWait, true);
  if (request.value(field::kForce, false) && specs.size() == 1 &&
      supervisor.find_app(specs[0].name)) {
    start_duplicate(context, specs[0], wait, client);
    return;
  }
  std::vector<int> again = from_file ? std::vector<int>() : known_again(supervisor, specs[0]);
  std::vector<std::string> names;
  if (!from_file && again.empty()) {
    names = supervisor.start_all(std::move(specs));
  } else if (from_file) {
    // As PM2 starts a file: what is new starts, what is known restarts
    // with the file's settings.
    // New apps first: start_all checks them all before it starts any.
    std::vector<AppSpec> fresh, known;
    for (auto& spec : specs) {
      names.push_back(spec.name);
      (supervisor.find_app(spec.name) ? known : fresh).push_back(std::move(spec));
    }
    if (!fresh.empty()) supervisor.start_all(std::move(fresh));
    for (auto& spec : known) {
      App& app = *supervisor.find_app(spec.name);
      auto kept = supervisor.renew(app, std::move(spec));
      again.insert(again.end(), kept.begin(), kept.end());
    }
  } else {
    for (int id : again)
      if (App* app = supervisor.app_of(id);
          app && std::find(names.begin(), names.end(), app->spec().name) == names.end())
        names.push_back(app->spec().name);
  }
  supervisor.restart(again, [&context, names, wait, client] {
    if (wait) return reply_when_started(context, names, {}, client);
    client->reply(ok_reply({{field::kNames, names},
                            {field::kProcesses, process_rows(context.supervisor,
                                                             ids_of(context.supervisor, names))}}));
  });
}

void scale(CommandContext& context, const json& request, Client client) {
  Supervisor& supervisor = context.supervisor;
  std::string named = request.value(field::kName, "");
  std::string count = request.value(field::kCount, "");
  auto apps = supervisor.plan_reload(supervisor.select({named})).apps;
  if (apps.size() != 1)
    throw UserError("scale acts on one app, and " + named + " names " +
                    std::to_string(apps.size()) + "; name one of them");
  std::string name = apps[0].first;
  App* app = supervisor.find_app(name);
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
  if (request.contains(field::kEnv)) {
    auto env = request[field::kEnv].get<std::map<std::string, std::string>>();
    for (const auto& [name, app_ids] : context.supervisor.plan_reload(ids).apps) {
      App* app = context.supervisor.find_app(name);
      AppSpec spec = app->spec();
      spec.env = env;
      app->set_spec(std::move(spec));
    }
  }
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
