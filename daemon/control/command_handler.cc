#include "daemon/control/command_handler.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "common/signal_names.h"
#include "common/user_error.h"
#include "daemon/control/log_follower.h"
#include "daemon/control/start_progress.h"
#include "daemon/logs/log_tail.h"
#include "daemon/uv/timer.h"

namespace pm {

void CommandHandler::handle(const json& request, Client client) {
  const std::string cmd = request["cmd"];
  using Method = void (CommandHandler::*)(const json&, Client);
  static const std::map<std::string, Method> kCommands = {
      {"ping", &CommandHandler::ping},
      {"start", &CommandHandler::start},
      {"list", &CommandHandler::list},
      {"stop", &CommandHandler::stop},
      {"restart", &CommandHandler::restart},
      {"delete", &CommandHandler::remove},
      {"describe", &CommandHandler::describe},
      {"reload", &CommandHandler::reload},
      {"send", &CommandHandler::send},
      {"signal", &CommandHandler::signal},
      {"logs", &CommandHandler::logs},
      {"flush", &CommandHandler::flush},
      {"apply", &CommandHandler::apply},
      {"scale", &CommandHandler::scale},
      {"reset", &CommandHandler::reset},
      {"env", &CommandHandler::env},
      {"save", &CommandHandler::save},
      {"resurrect", &CommandHandler::resurrect},
      {"cleardump", &CommandHandler::cleardump},
      {"update", &CommandHandler::update},
      {"reloadLogs", &CommandHandler::reload_logs},
      {"kill", &CommandHandler::kill},
  };
  try {
    auto command = kCommands.find(cmd);
    if (command == kCommands.end()) {
      client->reply(error_reply("unknown command \"" + cmd + "\""));
      return;
    }
    (this->*command->second)(request, client);
  } catch (const UserError& error) {
    client->reply(error_reply(error.what()));
  } catch (const json::exception& error) {
    client->reply(error_reply(std::string("malformed request: ") + error.what()));
  }
}

std::vector<int> CommandHandler::targets(const json& request, bool default_all) const {
  std::vector<std::string> names;
  auto it = request.find("targets");
  if (it != request.end() && !it->is_null()) {
    if (!it->is_array()) throw UserError("field \"targets\" must be a list of names or ids");
    for (const auto& target : *it) {
      if (!target.is_string()) throw UserError("field \"targets\" must hold strings");
      names.push_back(target.get<std::string>());
    }
  }
  if (names.empty()) {
    if (!default_all) throw UserError("no target given: name an app, an instance id, or all");
    names.push_back("all");
  }
  return supervisor_.select(names);
}

json CommandHandler::rows(const std::vector<int>& only) const {
  std::set<int> wanted(only.begin(), only.end());
  json list = json::array();
  for (const auto& app : supervisor_.apps()) {
    for (const auto& instance : app->instances()) {
      if (!wanted.empty() && !wanted.count(instance->id())) continue;
      json row = instance->summary();
      row["mode"] = Supervisor::mode(*app);
      std::string listen;
      for (SharedListener* listener : app->listeners().all()) {
        ListenAddress bound = listener->address();
        bound.port = listener->port();
        listen += (listen.empty() ? "" : ",") + bound.display();
      }
      row["listen"] = listen;
      list.push_back(std::move(row));
    }
  }
  return list;
}

void CommandHandler::start(const json& request, Client client) {
  std::vector<AppSpec> specs;
  if (request.contains("specs") && request["specs"].is_array()) {
    for (const auto& spec : request["specs"]) specs.push_back(spec_from_json(spec));
  } else if (request.contains("spec")) {
    specs.push_back(spec_from_json(request["spec"]));
  } else {
    throw UserError("start needs a \"spec\"");
  }
  if (specs.empty()) throw UserError("start needs at least one app");
  std::vector<std::string> names = supervisor_.start_all(std::move(specs));
  if (request.value("wait", true)) {
    reply_when_started(names, {}, client);
    return;
  }
  client->reply(ok_reply({{"names", names}, {"processes", rows(ids_of(names))}}));
}

std::vector<int> CommandHandler::ids_of(const std::vector<std::string>& names) const {
  std::vector<int> ids;
  for (const auto& name : names)
    if (App* app = supervisor_.find_app(name))
      for (const auto& instance : app->instances()) ids.push_back(instance->id());
  return ids;
}

void CommandHandler::reply_when_started(const std::vector<std::string>& names,
                                        const std::vector<int>& only, Client client) {
  auto deadline = std::make_shared<Timer>(loop_);
  auto finished = std::make_shared<bool>(false);
  // Returns true once it has replied.
  auto settle = [this, names, only, client, finished](bool out_of_time) {
    if (*finished) return true;
    StartProgress progress = StartProgress::of(supervisor_, names, only, out_of_time);
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
      supervisor_.remove(ids_of(names), [client, names, error = progress.listen_error] {
        client->reply(error_reply("cannot start " + names[0] + ": " + error));
      });
      return true;
    }
    std::vector<int> ids = only.empty() ? ids_of(names) : only;
    client->reply(ok_reply({{"names", names},
                            {"processes", rows(ids)},
                            {"problems", progress.problems},
                            {"warnings", progress.warnings}}));
    return true;
  };
  deadline->start(StartProgress::wait_ms(supervisor_, names), [settle] { settle(true); });
  if (settle(false)) return;
  supervisor_.watch([settle, deadline] { return settle(false); });
}

void CommandHandler::apply(const json& request, Client client) {
  std::string action = request.value("action", "reload");
  if (action != "reload" && action != "restart")
    throw UserError("apply takes action reload or restart");
  if (!request.contains("specs") || !request["specs"].is_array())
    throw UserError("apply needs \"specs\"");
  std::vector<AppSpec> fresh;
  std::vector<int> existing_ids;
  json report = json::array();
  for (const auto& value : request["specs"]) {
    AppSpec spec = spec_from_json(value);
    if (App* app = supervisor_.find_app(spec.name)) {
      std::string name = spec.name;
      supervisor_.replace_spec(*app, std::move(spec));
      for (const auto& instance : app->instances()) existing_ids.push_back(instance->id());
      report.push_back({{"name", name}, {"action", action == "reload" ? "reloaded" : "restarted"}});
    } else {
      report.push_back({{"name", spec.name}, {"action", "started"}});
      fresh.push_back(std::move(spec));
    }
  }
  if (!fresh.empty()) supervisor_.start_all(std::move(fresh));
  std::weak_ptr<ClientConnection> weak = client;
  auto finish = [weak, report](std::string error) {
    auto follower = weak.lock();
    if (!follower) return;
    if (error.empty())
      follower->reply(ok_reply({{"apps", report}}));
    else
      follower->reply(error_reply(error));
  };
  if (existing_ids.empty()) return finish("");
  if (action == "restart") {
    supervisor_.restart(existing_ids, [finish] { finish(""); });
    return;
  }
  supervisor_.reload(
      supervisor_.plan_reload(existing_ids),
      [weak](const json& step) {
        if (auto follower = weak.lock()) follower->stream(step);
      },
      finish);
}

void CommandHandler::scale(const json& request, Client client) {
  std::string name = request.value("name", "");
  std::string count = request.value("count", "");
  App* app = supervisor_.find_app(name);
  if (!app) supervisor_.select({name});  // throws, naming the apps that exist
  int current = static_cast<int>(app->instances().size());
  int target = 0;
  try {
    std::size_t used = 0;
    int number = std::stoi(count, &used);
    if (used != count.size()) throw std::invalid_argument(count);
    target = (count[0] == '+' || count[0] == '-') ? current + number : number;
  } catch (const std::exception&) {
    throw UserError("scale takes N, +N or -N (got \"" + count + "\")");
  }
  if (target >= current) {
    // New instances count once they are ready.
    auto added = supervisor_.scale(name, target, [] {});
    reply_when_started({name}, added.empty() ? ids_of({name}) : added, client);
    return;
  }
  supervisor_.scale(name, target, [this, client, name] {
    client->reply(ok_reply({{"names", json::array()}, {"processes", rows(ids_of({name}))}}));
  });
}

void CommandHandler::reset(const json& request, Client client) {
  auto ids = targets(request, false);
  for (int id : ids)
    if (Instance* instance = supervisor_.find(id)) instance->reset_counters();
  client->reply(ok_reply({{"processes", rows(ids)}}));
}

void CommandHandler::env(const json& request, Client client) {
  auto ids = targets(request, false);
  Instance* instance = ids.empty() ? nullptr : supervisor_.find(ids[0]);
  if (!instance) throw UserError("no such instance");
  client->reply(ok_reply({{"id", instance->id()}, {"env", instance->child_env()}}));
}

void CommandHandler::save(const json& request, Client client) {
  json apps = json::array();
  int cpus = static_cast<int>(uv_available_parallelism());
  for (const auto& app : supervisor_.apps()) {
    json spec = to_json(app->spec());
    spec.erase("argv");
    // A scaled app is saved with the count it runs, not the one it began with.
    int running = static_cast<int>(app->instances().size());
    if (resolve_instances(app->spec().instances, cpus) != running) spec["instances"] = running;
    apps.push_back(std::move(spec));
  }
  if (apps.empty() && !request.value("force", false))
    throw UserError("no app is running: saving would forget the saved list; use --force");
  state_.save(apps);
  client->reply(ok_reply({{"path", state_.path()}, {"count", apps.size()}}));
}

void CommandHandler::resurrect(const json&, Client client) {
  std::vector<std::string> warnings;
  json apps = state_.load(warnings);
  std::vector<AppSpec> specs;
  json skipped = json::array();
  for (const auto& value : apps) {
    AppSpec spec = spec_from_json(value);
    if (supervisor_.find_app(spec.name))
      skipped.push_back(spec.name);
    else
      specs.push_back(std::move(spec));
  }
  std::vector<std::string> names;
  if (!specs.empty()) names = supervisor_.start_all(std::move(specs));
  client->reply(ok_reply({{"started", names}, {"skipped", skipped}, {"warnings", warnings}}));
}

void CommandHandler::resurrect_at_start() {
  try {
    std::vector<std::string> warnings;
    json apps = state_.load(warnings);
    for (const auto& warning : warnings) spdlog::warn("resurrect: {}", warning);
    std::vector<AppSpec> specs;
    for (const auto& value : apps) specs.push_back(spec_from_json(value));
    auto names = supervisor_.start_all(std::move(specs));
    spdlog::info("resurrected {} app(s)", names.size());
  } catch (const UserError& error) {
    spdlog::error("resurrect: {}", error.what());
  }
}

void CommandHandler::cleardump(const json&, Client client) {
  state_.clear();
  client->reply(ok_reply({{"path", state_.path()}}));
}

CommandHandler::CommandHandler(uv_loop_t* loop, Supervisor& supervisor, LogBus& bus,
                               const Paths& paths, Shutdown shutdown, Takeover takeover)
    : loop_(loop),
      supervisor_(supervisor),
      bus_(bus),
      state_(paths),
      shutdown_(std::move(shutdown)),
      takeover_(std::move(takeover)),
      started_at_(std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count()) {}

void CommandHandler::ping(const json&, Client client) {
  client->reply(
      ok_reply({{"pid", ::getpid()}, {"version", PM_VERSION}, {"started_at", started_at_}}));
}

void CommandHandler::update(const json&, Client client) {
  std::string error = takeover_(client);
  client->reply(error_reply(error));
}

void CommandHandler::kill(const json&, Client client) {
  shutdown_([client] { client->reply(ok_reply({{"pid", ::getpid()}})); });
}

void CommandHandler::reload_logs(const json&, Client client) {
  supervisor_.reopen_logs();
  client->reply(ok_reply());
}

void CommandHandler::list(const json&, Client client) {
  client->reply(ok_reply({{"processes", rows()}}));
}

void CommandHandler::stop(const json& request, Client client) {
  auto ids = targets(request, false);
  supervisor_.stop(ids, [this, client, ids] {
    client->reply(ok_reply({{"processes", rows(ids)}}));
  });
}

void CommandHandler::restart(const json& request, Client client) {
  auto ids = targets(request, false);
  supervisor_.restart(ids, [this, client, ids] {
    client->reply(ok_reply({{"processes", rows(ids)}}));
  });
}

void CommandHandler::remove(const json& request, Client client) {
  auto ids = targets(request, false);
  supervisor_.remove(ids, [client, ids] { client->reply(ok_reply({{"deleted", ids}})); });
}

void CommandHandler::reload(const json& request, Client client) {
  ReloadPlan plan = supervisor_.plan_reload(targets(request, false));
  plan.parallel = request.value("parallel", 1);
  if (plan.parallel < 1) throw UserError("--parallel must be at least 1");
  if (request.contains("env")) plan.env = request["env"].get<std::map<std::string, std::string>>();
  bool wait = request.value("wait", true);
  std::weak_ptr<ClientConnection> weak = client;
  supervisor_.reload(
      std::move(plan),
      [weak, wait](const json& step) {
        if (auto follower = weak.lock(); follower && wait) follower->stream(step);
      },
      [weak, wait](std::string error) {
        auto follower = weak.lock();
        if (!follower || !wait) return;
        if (error.empty())
          follower->reply(ok_reply());
        else
          follower->reply(error_reply(error));
      });
  if (!wait) client->reply(ok_reply({{"started", true}}));
}

void CommandHandler::send(const json& request, Client client) {
  auto ids = targets(request, false);
  if (!request.contains("message")) throw UserError("send needs a \"message\"");
  json delivered = json::array(), missed = json::array();
  for (int id : ids) {
    Instance* instance = supervisor_.find(id);
    if (instance && instance->send_message(request["message"]))
      delivered.push_back(id);
    else
      missed.push_back(id);
  }
  client->reply(ok_reply({{"delivered", delivered}, {"missed", missed}}));
}

void CommandHandler::signal(const json& request, Client client) {
  auto ids = targets(request, false);
  int signum = signal_number(request.value("signal", ""));
  if (signum == 0) throw UserError("\"" + request.value("signal", "") + "\" is not a signal");
  json signalled = json::array(), missed = json::array();
  for (int id : ids) {
    Instance* instance = supervisor_.find(id);
    if (instance && instance->signal(signum))
      signalled.push_back(id);
    else
      missed.push_back(id);
  }
  client->reply(ok_reply({{"signalled", signalled}, {"missed", missed}}));
}

void CommandHandler::describe(const json& request, Client client) {
  auto ids = targets(request, false);
  json instances = json::array();
  for (int id : ids) {
    Instance* instance = supervisor_.find(id);
    if (!instance) continue;
    json info = instance->details();
    info["spec"] = to_json(instance->spec());
    info["listen"] = rows({id})[0]["listen"];
    if (App* app = supervisor_.app_of(id)) info["reload_error"] = app->reload_error();
    instances.push_back(std::move(info));
  }
  client->reply(ok_reply({{"instances", instances}}));
}

void CommandHandler::flush(const json& request, Client client) {
  auto ids = targets(request, true);
  json files = json::array();
  for (int id : ids) {
    if (Instance* instance = supervisor_.find(id)) {
      for (LogSink* sink : {&instance->out_log(), &instance->err_log()}) {
        sink->file().truncate();
        files.push_back(sink->file().path());
      }
    }
  }
  client->reply(ok_reply({{"files", files}}));
}

void CommandHandler::logs(const json& request, Client client) {
  auto ids = targets(request, true);
  std::size_t lines = request.value("lines", 15);
  bool want_out = request.value("out", true);
  bool want_err = request.value("err", true);
  bool follow = request.value("follow", false);

  for (int id : ids) {
    Instance* instance = supervisor_.find(id);
    if (!instance) continue;
    auto send_tail = [&](LogSink& sink, const char* stream) {
      client->stream({{"type", "tail"},
                      {"id", id},
                      {"name", instance->spec().name},
                      {"stream", stream},
                      {"path", sink.file().path()},
                      {"lines", last_lines(sink.file().path(), lines)}});
    };
    if (want_out) send_tail(instance->out_log(), "out");
    if (want_err) send_tail(instance->err_log(), "err");
  }
  if (!follow) {
    client->reply(ok_reply());
    return;
  }

  // Follow the named instances, or for "all"/no target, whatever runs later too.
  LogFilter filter;
  filter.out = want_out;
  filter.err = want_err;
  filter.everything = !request.contains("targets") || request["targets"].empty();
  if (!filter.everything) {
    for (const auto& target : request["targets"])
      if (target == "all") filter.everything = true;
    filter.ids.insert(ids.begin(), ids.end());
  }
  LogFollower::follow(bus_, client, std::move(filter));
}

}  // namespace pm
